import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// A recording made in memory from events.
func recording(_ events: [(Int64, Event)], metadata: RecordingMetadata = RecordingMetadata(
    startUnixMicros: 1_714_550_400_123_456, command: "bash", title: "demo \"one\"",
    terminal: .init(cols: 100, rows: 30, type: "xterm-256color"), extra: ["shell": "/bin/bash"])) throws -> RecordingReader {
    let sink = MemorySink()
    let writer = try RecordingWriter(sink: sink, metadata: metadata)
    for (time, event) in events { try writer.append(event, atMicros: time) }
    try writer.close()
    return try RecordingReader(source: MemorySource(sink.bytes))
}

/// Exports to memory and returns the text and the report.
func exported(_ reader: RecordingReader, _ format: ExportFormat) throws -> (text: String, report: ExportReport) {
    let sink = MemorySink()
    let report = try Exporter.export(reader, format: format, to: sink)
    return (String(decoding: sink.bytes, as: UTF8.self), report)
}

@Suite("Exporter")
struct ExporterTests {
    static let events: [(Int64, Event)] = [
        (0, .output(Array("héllo ".utf8) + [0xE2, 0x9C])),          // ✓ split between two events
        (1_500_000, .output([0x93] + Array(" \"quoted\"\\\r\n\u{1b}[1m".utf8))),
        (1_500_001, .input(Array("ls\r".utf8))),
        (2_000_000, .command("ls")),
        (2_250_000, .resize(cols: 120, rows: 40)),
        (3_000_000, .marker("chapter 1")),
        (3_333_333, .exit(2)),
    ]

    private func lines(_ text: String) throws -> [[Any]] {
        try text.split(separator: "\n").dropFirst().map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [Any]) }
    }

    @Test("asciicast v2: header from metadata, absolute times, o/i/r/m codes, split characters joined")
    func v2() throws {
        let (text, report) = try exported(try recording(Self.events), .asciicastV2)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(text.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 2)
        #expect(header["width"] as? Int == 100)
        #expect(header["height"] as? Int == 30)
        #expect(header["timestamp"] as? Int == 1_714_550_400)
        #expect(header["title"] as? String == "demo \"one\"")
        #expect(header["env"] as? [String: String] == ["TERM": "xterm-256color", "SHELL": "/bin/bash"])
        let events = try lines(text)
        #expect(events.map { $0[1] as? String } == ["o", "o", "i", "r", "m"])
        #expect(events[0][2] as? String == "héllo ")
        #expect(events[1][2] as? String == "✓ \"quoted\"\\\r\n\u{1b}[1m")
        #expect(events[3][2] as? String == "120x40")
        #expect(events[4][2] as? String == "chapter 1")
        // Times are the recording's, written with six decimals.
        #expect(text.contains("[1.500001, \"i\", \"ls\\r\"]"))
        #expect(text.contains("[0.000000, \"o\""))
        #expect(report.leftOutEvents == 2)
        #expect(report.warnings.count == 2)
        #expect(report.replacedSequences == 0)
    }

    @Test("asciicast v3: term object, intervals that add up exactly, exit as x")
    func v3() throws {
        let (text, report) = try exported(try recording(Self.events), .asciicastV3)
        let header = try #require(try JSONSerialization.jsonObject(with: Data(text.split(separator: "\n")[0].utf8)) as? [String: Any])
        #expect(header["version"] as? Int == 3)
        let term = try #require(header["term"] as? [String: Any])
        #expect(term["cols"] as? Int == 100)
        #expect(term["rows"] as? Int == 30)
        #expect(term["type"] as? String == "xterm-256color")
        let intervals = text.split(separator: "\n").dropFirst().map { line -> Int64 in
            let number = line.dropFirst().prefix { $0 != "," }
            let parts = number.split(separator: ".")
            return Int64(parts[0])! * 1_000_000 + Int64(parts[1])!
        }
        var clock: Int64 = 0
        let times = intervals.map { clock += $0; return clock }
        #expect(times == [0, 1_500_000, 1_500_001, 2_250_000, 3_000_000, 3_333_333])
        #expect(try lines(text).last?[1] as? String == "x")
        #expect(try lines(text).last?[2] as? String == "2")
        #expect(report.leftOutEvents == 1)
        // Importing the export gives the same times back.
        let back = try convertInMemory(Array(text.utf8), name: "back.cast")
        #expect(back.events.map(\.timeMicros) == [0, 1_500_000, 1_500_001, 2_250_000, 3_000_000, 3_333_333])
    }

    @Test("Bytes that are not UTF-8 become U+FFFD, counted, with a warning")
    func invalidUTF8() throws {
        let (text, report) = try exported(try recording([(0, .output([0x61, 0xFF, 0x62, 0xC3])), (1, .output([0x28]))]), .asciicastV2)
        let events = try lines(text)
        #expect(events.map { $0[2] as? String } == ["a\u{FFFD}b", "\u{FFFD}("])
        #expect(report.replacedSequences == 2)
        #expect(report.warnings.contains { $0.contains("2 byte sequence(s)") })
    }

    @Test("txt: scrollback then the final screen, as a person reads it")
    func txt() throws {
        var events: [(Int64, Event)] = []
        for i in 1...40 { events.append((Int64(i), .output(Array("line \(i)\r\n".utf8)))) }
        events.append((50, .output(Array("\u{1b}[?1049h\u{1b}[Hfull screen program\u{1b}[?1049l$ done   \r\n".utf8))))
        let reader = try recording(events, metadata: RecordingMetadata(startUnixMicros: 0, terminal: .init(cols: 20, rows: 5)))
        let (text, report) = try exported(reader, .txt)
        #expect(text == (1...40).map { "line \($0)\n" }.joined() + "$ done\n")
        #expect(report.events == 41)
    }

    @Test("Exporting a file: written in place, an existing output needs overwrite, nothing left on failure")
    func files() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.psrec").path, output = dir.appendingPathComponent("out.cast").path
        let writer = try RecordingWriter(path: input, metadata: RecordingMetadata(startUnixMicros: 0, terminal: .init(cols: 80, rows: 24)))
        try writer.append(.output(Array("hi\r\n".utf8)), atMicros: 10)
        try writer.close()
        let report = try Exporter.export(inputPath: input, outputPath: output, format: .asciicastV2)
        #expect(report.events == 1)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasSuffix("[0.000010, \"o\", \"hi\\r\\n\"]\n"))
        do {
            _ = try Exporter.export(inputPath: input, outputPath: output, format: .txt)
            Issue.record("expected an error")
        } catch {
            // The library says what is wrong; the command line adds which flag to give.
            #expect(error.code == .outputExists)
            #expect(error.description == "\(output): exists")
        }
        _ = try Exporter.export(inputPath: input, outputPath: output, format: .txt, overwrite: true)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "hi\n")
        do {
            _ = try Exporter.export(inputPath: output, outputPath: dir.appendingPathComponent("x").path, format: .txt)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .unreadableInput)
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["in.psrec", "out.cast"])
    }
}

/// Exports real recordings and plays them with asciinema 2.4: `asciinema cat` must print
/// exactly the output bytes of the recording (what `psrec cat` prints).
@Suite("asciinema reads the export", .serialized)
struct AsciinemaExportTests {
    /// Runs a program and returns its standard output as bytes.
    static func stdout(_ executable: String, _ arguments: [String]) throws -> (status: Int32, bytes: [UInt8]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, Array(data))
    }

    @Test("script recording → psrec → asciicast v2 → asciinema cat: byte-identical output",
          .enabled(if: Recorders.hasAsciinema, "asciinema and script are needed"),
          arguments: [#"printf '\033[1;31mred\033[0m héllo ✓ 日本語 😀\n'; ls --color=always /usr/share | head -60"#,
                      "seq 1 2000"])
    func asciinemaCat(command: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ts = dir.appendingPathComponent("typescript").path, timing = dir.appendingPathComponent("timing").path
        let psrec = dir.appendingPathComponent("rec.psrec").path, cast = dir.appendingPathComponent("rec.cast").path
        let result = try Recorders.inTerminal("script -q --timing=\(timing) -c \(shellQuoted(command)) \(ts) >/dev/null")
        try #require(result.status == 0, "script failed: \(result.output)")
        _ = try Converter.convertScript(timingPath: timing, outputLogPath: ts, outputPath: psrec, options: ConversionOptions())
        var expected: [UInt8] = []
        for event in try RecordingReader(path: psrec).events() { if case .output(let b) = event.event { expected += b } }
        let report = try Exporter.export(inputPath: psrec, outputPath: cast, format: .asciicastV2)
        #expect(report.replacedSequences == 0)
        let printed = try Self.stdout(try #require(Recorders.asciinema), ["cat", cast])
        #expect(printed.status == 0)
        #expect(printed.bytes == expected)
        #expect(!expected.isEmpty)
    }
}
