import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

@Suite struct VerifyCommandTests {
    func makeDir() throws -> URL {
        let dir = CLI.tempDir()
        for name in ["terminal-zstd", "truncated"] {
            try FileManager.default.copyItem(atPath: CLI.vector(name + ".psrec"), toPath: dir.appendingPathComponent(name + ".psrec").path)
        }
        var damaged = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.vector("terminal-uncompressed.psrec"))))
        damaged[700] ^= 0x10
        try Data(damaged).write(to: dir.appendingPathComponent("sub/damaged.psrec", isDirectory: false).creatingParent())
        try Data("not a recording".utf8).write(to: dir.appendingPathComponent("notes.psrec"))
        try Data("ignored".utf8).write(to: dir.appendingPathComponent("readme.txt"))
        return dir
    }

    @Test func givesOneVerdictPerFileAndTheWorstAsExitStatus() throws {
        let dir = try makeDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["verify", dir.path])
        #expect(r.status == 3)
        let lines = r.text.split(separator: "\n").filter { !$0.hasPrefix("  ") }
        #expect(lines.count == 4)
        #expect(r.text.contains("terminal-zstd.psrec: complete"))
        #expect(r.text.contains("truncated.psrec: truncated — plays to 0:06.420030"))
        #expect(r.text.contains("damaged.psrec: corrupt"))
        #expect(r.text.contains("notes.psrec: invalid"))
        #expect(r.stderr.contains("4 files: 1 complete, 1 truncated, 1 corrupt, 1 invalid"))
    }

    @Test(arguments: [("terminal-zstd.psrec", Int32(0)), ("truncated.psrec", 1)])
    func exitStatusFollowsTheVerdict(name: String, status: Int32) throws {
        #expect(try CLI.run(["verify", CLI.vector(name)]).status == status)
    }

    @Test func jsonUsesTheSameWords() throws {
        let dir = try makeDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["verify", "--json", dir.path])
        let objects = try r.text.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(Set(objects.compactMap { $0["status"] as? String }) == ["complete", "truncated", "corrupt", "invalid"])
        let corrupt = try #require(objects.first { $0["status"] as? String == "corrupt" })
        let problems = try #require(corrupt["problems"] as? [[String: Any]])
        #expect(problems.first?["offset"] as? Int != nil)
    }

    @Test func quietPrintsOnlyFilesThatAreNotComplete() throws {
        let r = try CLI.run(["verify", "--quiet", CLI.vector("terminal-zstd.psrec"), CLI.vector("truncated.psrec")])
        #expect(r.status == 1)
        #expect(!r.text.contains("terminal-zstd"))
        #expect(r.text.contains("truncated.psrec: truncated"))
    }

    @Test func missingFilesAreInvalidAndNoArgumentsIsAUsageError() throws {
        #expect(try CLI.run(["verify", "/nonexistent/x.psrec"]).status == 3)
        #expect(try CLI.run(["verify"]).status == 64)
    }
}

@Suite struct RepairCommandTests {
    @Test func repairsADamagedFileIntoACompleteOneWithAGap() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.vector("terminal-uncompressed.psrec"))))
        bytes[700] ^= 0x10
        let input = dir.appendingPathComponent("in.psrec").path
        let output = dir.appendingPathComponent("out.psrec").path
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let before = try Data(contentsOf: URL(fileURLWithPath: input))

        let r = try CLI.run(["repair", input, "-o", output])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("gap"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)  // input untouched
        #expect(try CLI.run(["verify", output]).status == 0)
        #expect(try CLI.run(["cat", output]).stdout == (try CLI.run(["cat", input]).stdout))
        let events = try CLI.run(["events", "--json", output]).text
        #expect(events.contains("\"type\":\"gap\""))
        // Refuses to overwrite without --force, and refuses IN == OUT.
        #expect(try CLI.run(["repair", input, "-o", output]).status == 64)  // as export: an existing OUT is a usage error
        #expect(try CLI.run(["repair", input, "-o", input]).status == 64)
    }

    @Test func repairsATruncatedFile() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.psrec").path
        #expect(try CLI.run(["repair", CLI.vector("truncated.psrec"), "-o", output]).status == 0)
        #expect(try CLI.run(["verify", output]).status == 0)
        #expect(try CLI.run(["cat", output]).stdout == (try CLI.run(["cat", CLI.vector("truncated.psrec")]).stdout))
    }
}

extension URL {
    func creatingParent() throws -> URL {
        try FileManager.default.createDirectory(at: deletingLastPathComponent(), withIntermediateDirectories: true)
        return self
    }
}
