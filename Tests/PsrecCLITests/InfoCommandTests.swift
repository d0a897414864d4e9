import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

@Suite struct InfoCommandTests {
    @Test func showsMetadataCountsAndStatus() throws {
        let r = try CLI.run(["info", CLI.vector("terminal-zstd.psrec")])
        #expect(r.status == 0)
        #expect(r.text.contains("Status:          complete"))
        #expect(r.text.contains("User:            alice"))
        #expect(r.text.contains("Indicators:      5 (click 1, command 3, marker 1)"))
        #expect(r.text.contains("Duration:        0:06.671030"))
    }

    @Test func jsonHasTheSameFacts() throws {
        let r = try CLI.run(["info", "--json", CLI.vector("truncated.psrec")])
        #expect(r.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any])
        #expect(object["status"] as? String == "truncated")
        #expect((object["indicators"] as? [String: Int])?["command"] == 3)
        #expect((object["metadata"] as? [String: Any])?["user"] as? String == "alice")
    }

    @Test("repair (and convert, record) write format 1.1 (columnar) unless --format-version 1.0; info names the version; a bad version is a usage error")
    func formatVersion() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Two files from the same vector: identical events, two layouts.
        var outputs: [String: String] = [:]
        for version in ["1.1", "1.0"] {
            let out = dir.appendingPathComponent("v\(version).psrec").path
            let r = try CLI.run(["repair", CLI.vector("terminal-zstd.psrec"), "-o", out, "--format-version", version])
            #expect(r.status == 0, "\(r.text)")
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
            #expect(bytes[9] == (version == "1.1" ? 1 : 0), "minor version byte of a \(version) file")
            let info = try CLI.run(["info", out])
            #expect(info.text.contains("Format:          psrec \(version)"), "\(info.text)")
            let json = try CLI.run(["info", "--json", out])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
            #expect(object["format_version"] as? String == version)
            outputs[version] = try CLI.run(["events", "--json", out]).text
        }
        #expect(outputs["1.1"] == outputs["1.0"] && !(outputs["1.0"] ?? "").isEmpty)
        let bad = try CLI.run(["repair", CLI.vector("terminal-zstd.psrec"), "-o", dir.appendingPathComponent("x.psrec").path, "--format-version", "2.0"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("The value '2.0' is invalid for '--format-version <version>'. Please provide one of '1.2', '1.1' or '1.0'."), "\(bad.stderr)")
    }

    @Test func hostileMetadataNeverReachesTheTerminalRaw() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("evil.psrec").path
        let evil = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{202E}txt.exe"
        let meta = RecordingMetadata(startUnixMicros: 0, user: evil, application: evil, host: evil, title: evil,
                                     auditors: [evil], extra: [evil: evil])
        let writer = try RecordingWriter(path: path, metadata: meta)
        try writer.append(.marker(evil), atMicros: 1)
        try writer.append(.command(evil), atMicros: 2)
        try writer.close()
        for args in [["info", path], ["info", "--json", path], ["events", path], ["events", "--json", path]] {
            let r = try CLI.run(args)
            #expect(r.status == 0, "\(args)")
            #expect(!r.stdout.contains(0x1B), "\(args) printed a raw ESC")
            #expect(!r.stdout.contains(0x07), "\(args) printed a raw BEL")
            #expect(!r.text.unicodeScalars.contains { $0.value == 0x9B || $0.value == 0x202E }, "\(args)")
        }
    }

    @Test func notAPsrecFileIsExitThreeWithASentence() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("notes.txt").path
        try "just text".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CLI.run(["info", path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("is not a psrec file"))
        let missing = try CLI.run(["info", dir.appendingPathComponent("nope.psrec").path])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("Cannot open"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        #expect(try CLI.run(["info"]).status == 64)
        #expect(try CLI.run(["cat", CLI.vector("minimal.psrec"), "--from", "soon"]).status == 64)
    }
}
