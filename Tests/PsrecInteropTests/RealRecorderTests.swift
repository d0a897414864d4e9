import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// Records small commands with the real recorders installed here, converts the recordings
/// and checks the output bytes against what the recording holds, parsed independently
/// (Foundation's JSONSerialization for asciicast, a frame loop for ttyrec).
@Suite("Real recorders", .serialized)
struct RealRecorderTests {
    static let commands = [
        #"printf '\033[1;31mred\033[0m \033[42mgreen bg\033[0m héllo ✓ 日本語 😀\n'"#,
        "ls --color=always /usr/share",
        "seq 1 3000; printf 'done\\n'",
    ]

    /// The UTF-8 of every "o" event's data, parsed with Foundation, and the event count.
    private func asciicastOutput(_ data: Data) throws -> (bytes: [UInt8], header: [String: Any]) {
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(lines.removeFirst().utf8)) as? [String: Any])
        var bytes: [UInt8] = []
        for line in lines {
            let event = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any])
            if event[1] as? String == "o", let text = event[2] as? String { bytes += Array(text.utf8) }
        }
        return (bytes, header)
    }

    /// Every frame payload of a ttyrec file, concatenated, and the first frame's time.
    private func ttyrecOutput(_ data: [UInt8]) throws -> (bytes: [UInt8], startMicros: Int64) {
        var bytes: [UInt8] = []
        var offset = 0
        var start: Int64?
        func u32(_ at: Int) -> Int { Int(data[at]) | Int(data[at + 1]) << 8 | Int(data[at + 2]) << 16 | Int(data[at + 3]) << 24 }
        while offset + 12 <= data.count {
            let length = u32(offset + 8)
            try #require(offset + 12 + length <= data.count)
            start = start ?? Int64(u32(offset)) * 1_000_000 + Int64(u32(offset + 4))
            bytes += data[(offset + 12)..<(offset + 12 + length)]
            offset += 12 + length
        }
        #expect(offset == data.count)
        return (bytes, start ?? 0)
    }

    @Test("asciinema rec → psrec: output bytes identical, metadata from the header",
          .enabled(if: Recorders.hasAsciinema, "asciinema and script are needed"), arguments: commands)
    func asciinema(command: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cast = dir.appendingPathComponent("rec.cast").path
        let psrec = dir.appendingPathComponent("rec.psrec").path
        let asciinema = try #require(Recorders.asciinema)
        let result = try Recorders.inTerminal("\(asciinema) rec --overwrite -q -c \(shellQuoted(command)) \(cast)")
        try #require(result.status == 0, "asciinema failed: \(result.output)")
        let data = try Data(contentsOf: URL(fileURLWithPath: cast))
        let (expected, header) = try asciicastOutput(data)
        #expect(Converter.detect(Array(data.prefix(Converter.detectionBytes))) == .asciicastV2)

        let report = try Converter.convert(inputPath: cast, outputPath: psrec, options: ConversionOptions(user: "tester", host: "ci"))
        #expect(report.format == .asciicastV2)
        #expect(report.skippedLines == 0)
        #expect(report.clampedTimes == 0)
        let reader = try RecordingReader(path: psrec)
        #expect(reader.status == .complete)
        var output: [UInt8] = []
        for event in reader.events() { if case .output(let bytes) = event.event { output += bytes } }
        #expect(output == expected)
        #expect(!expected.isEmpty)
        let metadata = try #require(reader.metadata)
        #expect(metadata.terminal?.cols == 100)
        #expect(metadata.terminal?.rows == 30)
        // asciinema writes null for an unset variable (SHELL on a CI machine), so the env is [String: Any].
        #expect(metadata.terminal?.type == (header["env"] as? [String: Any])?["TERM"] as? String)
        if let timestamp = header["timestamp"] as? Int {
            #expect(metadata.startUnixMicros == Int64(timestamp) * 1_000_000)
        }
        #expect(metadata.user == "tester")
        #expect(metadata.host == "ci")
        #expect(reader.durationMicros == report.durationMicros)
    }

    @Test("asciinema rec with a marker-free torn tail converts leniently",
          .enabled(if: Recorders.hasAsciinema, "asciinema and script are needed"))
    func asciinemaTorn() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cast = dir.appendingPathComponent("rec.cast").path
        let asciinema = try #require(Recorders.asciinema)
        let result = try Recorders.inTerminal("\(asciinema) rec --overwrite -q -c \(shellQuoted(Self.commands[1])) \(cast)")
        try #require(result.status == 0, "asciinema failed: \(result.output)")
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: cast)))
        let torn = Array(data.prefix(data.count - 10))
        let error = try #require(conversionError(torn, name: "rec.cast"))
        #expect(error.code == .truncatedLine)
        let c = try convertInMemory(torn, name: "rec.cast", options: ConversionOptions(lenient: true))
        #expect(c.report.skippedLines == 1)
        let (expected, _) = try asciicastOutput(Data(data))
        #expect(expected.starts(with: c.output))
    }

    @Test("ttyrec → psrec: frame payloads identical, start from the first frame",
          .enabled(if: Recorders.hasTtyrec, "ttyrec and script are needed"), arguments: commands)
    func ttyrec(command: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("rec.ttyrec").path
        let psrec = dir.appendingPathComponent("rec.psrec").path
        let ttyrec = try #require(Recorders.ttyrec)
        let result = try Recorders.inTerminal("\(ttyrec) -e \(shellQuoted(command)) \(file)")
        try #require(result.status == 0, "ttyrec failed: \(result.output)")
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let (expected, start) = try ttyrecOutput(data)
        #expect(Converter.detect(Array(data.prefix(Converter.detectionBytes))) == .ttyrec)

        let report = try Converter.convert(inputPath: file, outputPath: psrec, options: ConversionOptions(application: "demo"))
        #expect(report.format == .ttyrec)
        let reader = try RecordingReader(path: psrec)
        #expect(reader.status == .complete)
        var output: [UInt8] = []
        var times: [Int64] = []
        for event in reader.events() {
            if case .output(let bytes) = event.event { output += bytes }
            times.append(event.timeMicros)
        }
        #expect(output == expected)
        #expect(!expected.isEmpty)
        #expect(times.first == 0)
        #expect(times == times.sorted())
        #expect(reader.metadata?.startUnixMicros == start)
        #expect(reader.metadata?.application == "demo")
    }
}
