import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// A `script` timing file names its logs in `OUTPUT_LOG`/`INPUT_LOG` headers; those paths are
/// file content, possibly hostile, and must never make `convert` read a file elsewhere.
@Suite("script logs are found beside the timing file only")
struct ScriptLogLocationTests {
    static let secret = Array("root:$6$secret-hash:19000:0:99999:7:::\n".utf8)

    /// A timing file whose headers name `outputLog` and `inputLog` and which times `count`
    /// output bytes.
    static func timing(outputLog: String, inputLog: String? = nil, count: Int) -> String {
        var text = "H 0.000000 START_TIME 2024-05-01 08:00:00+00:00\n"
        text += "H 0.000000 TIMING_LOG /var/log/timing\n"
        text += "H 0.000000 OUTPUT_LOG \(outputLog)\n"
        if let inputLog { text += "H 0.000000 INPUT_LOG \(inputLog)\n" }
        text += "O 0.100000 \(count)\nH 0.000000 DURATION 0.200000\n"
        return text
    }

    /// Writes a secret outside the recording's directory and returns (its path, the recording's directory).
    func layout() throws -> (secret: String, recording: URL, root: URL) {
        let root = try temporaryDirectory()
        let elsewhere = root.appendingPathComponent("etc"), recording = root.appendingPathComponent("rec")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: recording, withIntermediateDirectories: true)
        let secret = elsewhere.appendingPathComponent("shadow").path
        try Data(Self.secret).write(to: URL(fileURLWithPath: secret))
        return (secret, recording, root)
    }

    @Test("An absolute path to a file elsewhere is not read: the conversion is refused, nothing is written")
    func absolutePathElsewhere() throws {
        let (secret, recording, root) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        let timing = recording.appendingPathComponent("timing").path
        let out = recording.appendingPathComponent("out.psrec").path
        try Self.timing(outputLog: secret, count: Self.secret.count).write(toFile: timing, atomically: true, encoding: .utf8)
        #expect {
            try Converter.convert(inputPath: timing, outputPath: out, options: ConversionOptions())
        } throws: { error in
            guard let error = error as? ConversionError else { return false }
            return error.code == .needsMoreFiles && "\(error)".contains("beside")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("A relative path climbing out of the directory is not followed", arguments: ["../etc/shadow", "../../rec/../etc/shadow", ".."])
    func climbingPath(named: String) throws {
        let (_, recording, root) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        let timing = recording.appendingPathComponent("timing").path
        let out = recording.appendingPathComponent("out.psrec").path
        try Self.timing(outputLog: named, count: Self.secret.count).write(toFile: timing, atomically: true, encoding: .utf8)
        #expect(throws: ConversionError.self) {
            try Converter.convert(inputPath: timing, outputPath: out, options: ConversionOptions())
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("A symbolic link beside the timing file, pointing elsewhere, is not followed")
    func symlinkBeside() throws {
        let (secret, recording, root) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        let timing = recording.appendingPathComponent("timing").path
        let out = recording.appendingPathComponent("out.psrec").path
        try FileManager.default.createSymbolicLink(atPath: recording.appendingPathComponent("out.log").path, withDestinationPath: secret)
        try Self.timing(outputLog: "/home/alice/out.log", count: Self.secret.count).write(toFile: timing, atomically: true, encoding: .utf8)
        #expect(throws: ConversionError.self) {
            try Converter.convert(inputPath: timing, outputPath: out, options: ConversionOptions())
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test("The named file's base name beside the timing file is used, not the named directory")
    func besideByBaseName() throws {
        let (secret, recording, root) = try layout()
        defer { try? FileManager.default.removeItem(at: root) }
        let timing = recording.appendingPathComponent("timing").path
        let out = recording.appendingPathComponent("out.psrec").path
        let log = Array("hello".utf8)
        try Data(log).write(to: recording.appendingPathComponent("shadow"))
        // The header names the secret itself; a file of the same base name sits beside the timing file.
        try Self.timing(outputLog: secret, count: log.count).write(toFile: timing, atomically: true, encoding: .utf8)
        let report = try Converter.convert(inputPath: timing, outputPath: out, options: ConversionOptions())
        #expect(report.format == .scriptAdvanced)
        var output: [UInt8] = []
        for event in try RecordingReader(path: out).events() {
            if case .output(let bytes) = event.event { output += bytes }
        }
        #expect(output == log)
    }
}
