import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

@Suite struct CatCommandTests {
    func output(_ name: String) throws -> [UInt8] {
        let reader = try RecordingReader(path: CLI.vector(name))
        var out: [UInt8] = []
        for e in reader.events() { if case .output(let b) = e.event { out += b } }
        return out
    }

    @Test(arguments: ["terminal-zstd.psrec", "terminal-zlib.psrec", "terminal-uncompressed.psrec", "every-event.psrec"])
    func writesTheOutputByteForByte(name: String) throws {
        let r = try CLI.run(["cat", CLI.vector(name)])
        #expect(r.status == 0)
        #expect(r.stdout == (try output(name)))
        #expect(!r.stdout.isEmpty)
    }

    @Test func truncatedFilesPlayToTheirLastChunkWithANote() throws {
        let r = try CLI.run(["cat", CLI.vector("truncated.psrec")])
        #expect(r.status == 1)
        #expect(r.stdout == (try output("truncated.psrec")))
        #expect(r.stderr.contains("truncated"))
    }

    @Test func timeRangeSelectsEvents() throws {
        let all = try CLI.run(["events", "--json", CLI.vector("terminal-zstd.psrec")])
        let part = try CLI.run(["events", "--json", "--from", "2s", "--to", "0:04", CLI.vector("terminal-zstd.psrec")])
        let lines = part.text.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.count < all.text.split(separator: "\n").count)
        for line in lines {
            let t = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["t"] as? Int)
            #expect(t >= 2_000_000 && t <= 4_000_000)
        }
    }

    @Test func eventsJsonMatchesTheVectorsExpectedForm() throws {
        for name in ["terminal-zstd", "screen", "every-event"] {
            let r = try CLI.run(["events", "--json", CLI.vector(name + ".psrec")])
            let expected = try String(contentsOfFile: CLI.vector(name + ".events.jsonl"), encoding: .utf8)
            #expect(r.text == expected, "\(name)")
        }
    }
}
