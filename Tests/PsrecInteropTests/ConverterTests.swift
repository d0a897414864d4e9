import Foundation
import PsrecFormat
import PsrecInterop
import Testing

@Suite("Converter")
struct ConverterTests {
    @Test("Formats are detected from content, not names")
    func detection() {
        #expect(Converter.detect(Array(#"{"version": 2, "width": 80, "height": 24}"#.utf8) + [0x0A]) == .asciicastV2)
        #expect(Converter.detect(Array(#"{"version": 3, "term": {"cols": 80, "rows": 24}}"#.utf8) + [0x0A, 0x5B]) == .asciicastV3)
        #expect(Converter.detect(Array(AsciicastV1ImporterTests.v1.utf8)) == .asciicastV1)
        #expect(Converter.detect([0xEF, 0xBB, 0xBF] + Array("\n {\"version\":1,\"stdout\":[]}".utf8)) == .asciicastV1)
        #expect(Converter.detect(TtyrecImporterTests.frames.flatMap { $0 }) == .ttyrec)
        // A first line cut by the detection window still names its version.
        #expect(Converter.detect(Array(#"{"version": 2, "env": {"A": "xxxxxxxx"#.utf8)) == .asciicastV2)
    }

    @Test("Content that is none of the formats is not detected", arguments: [
        "", "hello, world\n", "{\"version\": 7}\n", "{\"width\": 80}\n", "[1, \"o\", \"x\"]\n", "{}", "\u{1b}[31mred\n",
    ])
    func notDetected(text: String) {
        #expect(Converter.detect(Array(text.utf8)) == nil)
    }

    @Test("Undetectable input is an error that says so")
    func unknownFormat() throws {
        let error = try #require(conversionError("hello, world\n", name: "notes.txt"))
        #expect(error.code == .unknownFormat)
        #expect(error.description == "notes.txt: is not an asciicast (v1, v2, v3), ttyrec, script or sudo I/O log recording")
        #expect(conversionError([], name: "empty.cast")?.code == .unknownFormat)
    }

    @Test("Converting files: the output is created, not overwritten unless asked, and removed on failure")
    func files() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("demo.cast").path
        let output = dir.appendingPathComponent("demo.psrec").path
        // No header timestamp: the file's modification time is the start.
        let text = AsciicastLinesImporterTests.v2.replacingOccurrences(of: #""timestamp": 1504467315, "#, with: "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: input))
        let mtime = Date(timeIntervalSince1970: 1_600_000_000.5)
        try FileManager.default.setAttributes([.modificationDate: mtime], ofItemAtPath: input)

        let report = try Converter.convert(inputPath: input, outputPath: output, options: ConversionOptions(user: "bob"))
        #expect(report.events == 7)
        let reader = try RecordingReader(path: output)
        #expect(reader.status == .complete)
        #expect(reader.metadata?.user == "bob")
        #expect(reader.metadata?.startUnixMicros == 1_600_000_000_500_000)
        #expect(report.warnings.contains { $0.contains("modification time") })

        #expect(throws: ConversionError.self) {
            try Converter.convert(inputPath: input, outputPath: output, options: ConversionOptions())
        }
        _ = try Converter.convert(inputPath: input, outputPath: output, options: ConversionOptions(), overwrite: true)

        let bad = dir.appendingPathComponent("bad.cast").path
        let badOutput = dir.appendingPathComponent("bad.psrec").path
        try Data((text + "[9, \"o\"]\n").utf8).write(to: URL(fileURLWithPath: bad))
        do {
            _ = try Converter.convert(inputPath: bad, outputPath: badOutput, options: ConversionOptions())
            Issue.record("a malformed line must fail")
        } catch {
            #expect(error.description == "\(bad) line 9: expected a JSON array [time, code, data]")
        }
        #expect(!FileManager.default.fileExists(atPath: badOutput))

        do {
            _ = try Converter.convert(inputPath: input, outputPath: input, options: ConversionOptions(), overwrite: true)
            Issue.record("converting a file onto itself must fail")
        } catch {
            #expect(error.code == .outputIsInput)
        }
        #expect(FileManager.default.fileExists(atPath: input))
    }

    @Test("A missing input is an error naming it")
    func missingInput() {
        do {
            _ = try Converter.convert(inputPath: "/nonexistent/x.cast", outputPath: "/tmp/never.psrec", options: ConversionOptions())
            Issue.record("must fail")
        } catch {
            #expect(error.code == .unreadableInput)
            #expect(error.description.hasPrefix("/nonexistent/x.cast: cannot be opened"))
        }
    }

    @Test("A directory is not a recording")
    func directoryInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            _ = try Converter.convert(inputPath: dir.path, outputPath: dir.appendingPathComponent("x.psrec").path, options: ConversionOptions())
            Issue.record("must fail")
        } catch {
            #expect(error.description == "\(dir.path): is a directory but not a sudo I/O log (it needs a timing file and log.json or log)")
        }
    }

    @Test("A pipe (as standard input would be) converts to a file")
    func pipeInput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data(AsciicastLinesImporterTests.v3.utf8))
        try pipe.fileHandleForWriting.close()
        let input = FileInput(fileDescriptor: pipe.fileHandleForReading.fileDescriptor, name: "standard input")
        let output = dir.appendingPathComponent("stdin.psrec").path
        let report = try Converter.convert(reading: input, outputPath: output, options: ConversionOptions())
        #expect(report.format == .asciicastV3)
        #expect(report.events == 9)
        #expect(try RecordingReader(path: output).status == .complete)
    }

    @Test("Writer options reach the writer")
    func writerOptions() throws {
        var options = ConversionOptions()
        options.writer = WriterOptions(codec: .none)
        let c = try convertInMemory(Array(AsciicastLinesImporterTests.v2.utf8), options: options)
        #expect(c.output.count > 0)
        var bad = ConversionOptions()
        bad.writer = WriterOptions(codec: .zstd, level: 99)
        #expect(throws: ConversionError.self) {
            _ = try Converter.convert(input: Array(AsciicastLinesImporterTests.v2.utf8), sink: MemorySink(), options: bad)
        }
    }
}
