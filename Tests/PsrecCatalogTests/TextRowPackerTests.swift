import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Text row packer")
struct TextRowPackerTests {
    @Test("rows come back compressed in the order given, whatever the window")
    func order() throws {
        let packer = TextRowPacker()
        let rows = (0..<50).map { i in Array(String(repeating: "row \(i) ", count: 200 + i * 13).utf8) }
        let compressor = Compressor()
        var next = 0
        for row in rows {
            packer.submit(row)
            while packer.inFlight > 3 {
                let packed = try packer.takeOldest()
                #expect(try packed.withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: rows[next].count) } == rows[next])
                next += 1
            }
        }
        while packer.inFlight > 0 {
            let packed = try packer.takeOldest()
            #expect(try packed.withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: rows[next].count) } == rows[next])
            next += 1
        }
        #expect(next == rows.count)
    }

    @Test("each stored text row and its full-text entry share an id, after text already in the catalog")
    func idsLineUp() throws {
        let ws = try Workspace()
        let c = try ws.catalog()
        for (n, name) in ["first", "second"].enumerated() {
            // Two lines a second for 30 seconds: 30 chunks, several text rows.
            let sink = MemorySink()
            let writer = try RecordingWriter(sink: sink, metadata: RecordingMetadata(recordingID: UUID(), sessionProtocol: .ssh, startUnixMicros: 0, user: name))
            for i in 0..<60 {
                let line = (0..<60).map { "w\($0)" }.joined(separator: " ") + " token\(n)x\(i)\r\n"
                try writer.output(Array(line.utf8), atMicros: Int64(i) * 500_000)
            }
            try writer.close()
            try write(sink.bytes, to: ws.path(name))
            _ = try c.importRecording(path: ws.path(name), actor: "t")
        }
        let compressor = Compressor()
        let rows = try c.database.read { db in try Row.fetchAll(db, sql: "SELECT id, text_length, text_zstd FROM terminal_text ORDER BY id") }
        #expect(rows.count > 4)
        #expect(rows.map { $0["id"] as Int64 } == Array(1...Int64(rows.count)))
        for row in rows {
            let text = try (row["text_zstd"] as Data).withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: row["text_length"]) }
            let words = String(decoding: text, as: UTF8.self).split { !$0.isLetter && !$0.isNumber }
            let word = try #require(words.last { $0.hasPrefix("token") })
            let ids = try c.database.read { db in try Int64.fetchAll(db, sql: "SELECT rowid FROM terminal_text_fts WHERE terminal_text_fts MATCH ?", arguments: ["\"\(word)\""]) }
            #expect(ids == [row["id"] as Int64], "\(word)")
        }
    }
}
