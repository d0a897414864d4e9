import Foundation
import PsrecFormat
import PsrecInterop
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Outputs are never inputs, and temporaries are never found at a guessable name.
@Suite("outputs: no input overwritten, no temporary through a link", .serialized)
struct OutputSafetyTests {
    @Test("Exporting does not write through a link planted at the old predictable temporary name")
    func exportIgnoresPlantedLink() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let victim = dir.appendingPathComponent("victim").path
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        let out = dir.appendingPathComponent("out.txt").path
        // What an attacker in a shared directory would plant: the name the export used to choose.
        try FileManager.default.createSymbolicLink(atPath: out + ".partial-\(getpid())", withDestinationPath: victim)
        _ = try Exporter.export(inputPath: vectorPath("terminal-zstd.psrec"), outputPath: out, format: .txt)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        #expect(FileManager.default.fileExists(atPath: out))
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("out.txt.partial-") && $0 != "out.txt.partial-\(getpid())" }
        #expect(left.isEmpty, "temporaries left behind: \(left)")
    }

    @Test("A temporary file is new, owner-only and unpredictable; a link in its place is never followed")
    func temporaryFile() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let final = dir.appendingPathComponent("x").path
        let first = try FileSink.temporary(beside: final), second = try FileSink.temporary(beside: final)
        #expect(first.path != second.path)
        #expect(first.path.hasPrefix(final + ".partial-"))
        var info = stat()
        #expect(lstat(first.path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect((info.st_mode & S_IFMT) == S_IFREG)
        try first.close()
        try second.close()
    }

    @Test("convert SUDODIR -o SUDODIR/ttyout --force is refused and the log is left as it was")
    func sudoOutputInsideDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try SudoIOLogImporterTests.fixture(in: dir, compressed: false)
        let ttyout = dir.appendingPathComponent("ttyout").path
        let before = try Data(contentsOf: URL(fileURLWithPath: ttyout))
        for output in [ttyout, dir.appendingPathComponent("new.psrec").path, dir.path + "/./ttyin"] {
            #expect {
                try Converter.convert(inputPath: dir.path, outputPath: output, options: ConversionOptions(), overwrite: true)
            } throws: { error in
                (error as? ConversionError)?.code == .outputIsInput && "\(error)".contains("inside the sudo I/O log directory")
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: ttyout)) == before)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.psrec").path))
        // Outside the directory it converts.
        let outside = dir.deletingLastPathComponent().appendingPathComponent("sudo-\(UUID().uuidString).psrec").path
        defer { unlink(outside) }
        _ = try Converter.convert(inputPath: dir.path, outputPath: outside, options: ConversionOptions())
        #expect(try RecordingReader(path: outside).status == .complete)
    }

    @Test("convert IN -o a hard link to IN --force is refused and IN is left as it was")
    func hardLinkedOutput() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.cast").path, linked = dir.appendingPathComponent("link.psrec").path
        let cast = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"hi\"]\n"
        try cast.write(toFile: input, atomically: true, encoding: .utf8)
        #expect(link(input, linked) == 0)
        #expect(throws: ConversionError.self) {
            try Converter.convert(inputPath: input, outputPath: linked, options: ConversionOptions(), overwrite: true)
        }
        #expect(try String(contentsOfFile: input, encoding: .utf8) == cast)
    }
}

/// A golden vector of the Spec, by file name.
func vectorPath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Spec/vectors/\(name)").path
}
