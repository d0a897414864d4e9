import Foundation
import Testing
@testable import PsrecFormat
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

    /// A chunk is played whole or not at all (`Spec/format.md#events`): `cat` skips a chunk
    /// whose resize is malformed, output included, and says the file is corrupt, as `events`
    /// and `verify` do.
    @Test func aChunkWithAMalformedResizeIsNotWritten() throws {
        var f = try RawFile.hostile()
        var resize = ByteWriter()
        resize.writeUVarint(70_000)
        resize.writeUVarint(24)
        var bad = EventsBuilder(layout: .interleaved, capacity: 0)
        bad.append(.output(Array("secret".utf8)), deltaMicros: 0)
        resize.bytes.withUnsafeBytes { bad.append(type: .resize, body: $0, deltaMicros: 0) }
        let badOffset = f.chunk(.events, bad.payload, codec: .none, items: 2, start: 0, end: 0)
        var good = EventsBuilder(layout: .interleaved, capacity: 0)
        good.append(.output(Array("ok".utf8)), deltaMicros: 0)
        let goodOffset = f.chunk(.events, good.payload, codec: .none, items: 1, start: 5, end: 5)
        f.close(entries: [SeekEntry(offset: badOffset, sequence: 1, startMicros: 0, endMicros: 0, eventCount: 2),
                          SeekEntry(offset: goodOffset, sequence: 2, startMicros: 5, endMicros: 5, eventCount: 1)], duration: 5)
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad-resize.psrec").path
        try Data(f.bytes).write(to: URL(fileURLWithPath: path))
        let cat = try CLI.run(["cat", path])
        #expect(cat.text == "ok")
        #expect(cat.status == 2)
        #expect(try CLI.run(["events", path]).status == 2)
        #expect(try CLI.run(["verify", path]).status == 2)
    }
}
