import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

/// `importRecording(deferText: true)` and `indexText`: the catalog without the terminal text,
/// then the same text rows built from the stored content.
@Suite("Deferred text indexing", .serialized)
struct DeferredTextTests {
    /// Enough output for several text rows of about 4 KiB.
    static let noise = (0..<60).map { "row \($0): " + (0..<40).map { "word\($0 &* 7919 % 1000)" }.joined(separator: " ") }

    /// Per recording (by UUID): its text columns and every terminal_text row, in order.
    static func textRows(_ c: Catalog) throws -> [String] {
        try c.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.uuid || ' bytes=' || r.text_bytes || ' pending=' || r.text_pending || ' ' ||
                       coalesce((SELECT group_concat(t.time_us || ':' || t.text_length || ':' || hex(t.text_zstd), ',')
                                 FROM (SELECT * FROM terminal_text WHERE recording_id = r.id ORDER BY id) t), '')
                FROM recordings r ORDER BY r.uuid
                """)
        }
    }

    /// The columns that do not depend on the text or the time of import.
    static func contentColumns(_ c: Catalog) throws -> [String] {
        try c.read { db in
            try String.fetchAll(db, sql: """
                SELECT r.uuid || ' ' || r.sha256 || ' ' || r.file_size || ' ' || r.chunk_count || ' ' || r.event_count || ' ' ||
                       r.indicator_count || ' ' || r.status || ' ' || r.duration_us || ' ' ||
                       (SELECT count(*) FROM chunks WHERE recording_id = r.id) || ' ' || (SELECT count(*) FROM indicators WHERE recording_id = r.id)
                FROM recordings r ORDER BY r.uuid
                """)
        }
    }

    /// A recording whose output (the noise lines, two a second) spans 30 one-second chunks,
    /// so that its text fills several rows.
    static func spreadRecording(user: String) throws -> [UInt8] {
        let sink = MemorySink()
        let meta = RecordingMetadata(recordingID: UUID(), sessionProtocol: .ssh, startUnixMicros: 1_700_000_000_000_000, user: user)
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: WriterOptions(codec: .none))
        for (i, line) in noise.enumerated() {
            try writer.output(Array("\u{1B}[32m\(line)\u{1B}[0m\r\n".utf8), atMicros: Int64(i) * 500_000)
        }
        try writer.close()
        return sink.bytes
    }

    static func count(_ c: Catalog, _ sql: String) throws -> Int {
        try c.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    static func textQuery(_ text: String, user: String? = nil) -> RecordingQuery {
        var q = RecordingQuery()
        q.text = text
        q.user = user
        return q
    }

    @Test("a deferred import stores everything but the text; indexing then makes the rows an import makes, once")
    func deferThenIndex() throws {
        let ws = try Workspace()
        try write(try recordingBytes(user: "alice", outputs: ["SELECT salary FROM payroll;\r\n" + Self.noise.joined(separator: "\r\n")],
                                     indicators: [.command("psql payroll"), .marker("m")]), to: ws.path("a.psrec"))
        try write(try Self.spreadRecording(user: "bob"), to: ws.path("b.psrec"))
        let direct = try Catalog(path: ws.path("direct.db"), create: true)
        let deferred = try Catalog(path: ws.path("deferred.db"), create: true)
        for name in ["a.psrec", "b.psrec"] {
            #expect(try direct.importRecording(path: ws.path(name), actor: "t").kind == .added)
            #expect(try deferred.importRecording(path: ws.path(name), actor: "t", deferText: true).kind == .added)
        }
        #expect(try Self.contentColumns(deferred) == Self.contentColumns(direct))
        #expect(try Self.count(deferred, "SELECT count(*) FROM terminal_text") == 0)
        #expect(try Self.count(deferred, "SELECT count(*) FROM recordings WHERE text_pending = 1 AND text_bytes = 0") == 2)
        #expect(try Self.count(direct, "SELECT count(*) FROM recordings WHERE text_pending = 0") == 2)
        #expect(try Self.count(direct, "SELECT count(*) FROM terminal_text WHERE recording_id = (SELECT id FROM recordings WHERE user = 'bob')") > 3)
        // The stored content is the file, and matches the SHA-256 computed while storing it.
        for name in ["a.psrec", "b.psrec"] {
            let recording = try deferred.recording(try #require(try RecordingReader(path: ws.path(name)).metadata?.recordingID.uuidString))
            #expect(recording.textPending)
            #expect(try exported(deferred, recording) == readFile(ws.path(name)))
            #expect(try exported(direct, try direct.recording(recording.uuid)) == readFile(ws.path(name)))
        }

        #expect(try deferred.search(Self.textQuery("salary from payroll"), as: admin).isEmpty)
        #expect(try deferred.textPendingCount(matching: Self.textQuery("salary"), as: admin) == 2)
        #expect(try deferred.textPendingCount(matching: Self.textQuery("salary", user: "alice"), as: admin) == 1)
        #expect(try deferred.textPendingCount(matching: Self.textQuery("salary"), as: .user("mallory")) == 0)
        #expect(try direct.textPendingCount(matching: Self.textQuery("salary"), as: admin) == 0)

        let pending = try deferred.textPendingRecordings()
        #expect(pending.map(\.user) == ["alice", "bob"])   // oldest import first
        #expect(try deferred.textPendingRecordings(limit: 1).map(\.user) == ["alice"])
        for recording in pending {
            let outcome = try deferred.indexText(of: recording, actor: "t")
            #expect(outcome.indexed)
            #expect(outcome.textBytes > 0)
        }
        #expect(try Self.textRows(deferred) == Self.textRows(direct))
        #expect(try deferred.search(Self.textQuery("salary from payroll"), as: admin).map(\.user) == ["alice"])
        #expect(try deferred.textPendingCount(matching: Self.textQuery("salary"), as: admin) == 0)
        #expect(try Self.count(deferred, "SELECT count(*) FROM audit_log WHERE action = 'index'") == 2)

        // Twice changes nothing.
        #expect(try deferred.textPendingRecordings().isEmpty)
        let again = try deferred.indexText(of: pending[1], actor: "t")
        #expect(!again.indexed)
        #expect(try Self.textRows(deferred) == Self.textRows(direct))
        #expect(try Self.count(deferred, "SELECT count(*) FROM audit_log WHERE action = 'index'") == 2)
    }

    @Test("extending a truncated recording: with deferText its text becomes pending, without it the text is indexed now")
    func extend() throws {
        let ws = try Workspace()
        let full = try recordingBytes(seconds: 40, outputs: Self.noise, codec: .none)
        let reader = try RecordingReader(source: MemorySource(full))
        let cut = Int(reader.entries[20].offset) + 30
        try write(Array(full.prefix(cut)), to: ws.path("part.psrec"))
        try write(full, to: ws.path("full.psrec"))
        let reference = try Catalog(path: ws.path("reference.db"), create: true)
        _ = try reference.importRecording(path: ws.path("full.psrec"), actor: "t")
        let expected = try Self.textRows(reference)

        for (partDeferred, fullDeferred) in [(false, true), (true, false), (true, true)] {
            let c = try Catalog(path: ws.path("c-\(partDeferred)-\(fullDeferred).db"), create: true)
            let first = try c.importRecording(path: ws.path("part.psrec"), actor: "t", deferText: partDeferred)
            #expect(first.verdict == .truncated)
            let id = try #require(first.recordingID)
            #expect(try c.recording(id).textPending == partDeferred)
            #expect(try c.importRecording(path: ws.path("full.psrec"), actor: "t", deferText: fullDeferred).kind == .extended)
            let recording = try c.recording(id)
            #expect(recording.status == .complete)
            #expect(try exported(c, recording) == full)
            #expect(recording.textPending == fullDeferred)
            if fullDeferred {
                // The truncated copy's text is gone, from the table and from the index.
                #expect(try Self.count(c, "SELECT count(*) FROM terminal_text") == 0)
                #expect(try Self.count(c, "SELECT count(*) FROM terminal_text_fts WHERE terminal_text_fts MATCH 'session'") == 0)
                #expect(try c.indexText(of: recording, actor: "t").indexed)
            }
            #expect(try Self.textRows(c) == expected, "part deferred \(partDeferred), full deferred \(fullDeferred)")
            #expect(try c.search(Self.textQuery("line 39 of the session"), as: admin).count == 1)
        }
    }

    @Test("a recording deleted meanwhile or with a damaged stored chunk is an error for it alone, and stays as it was")
    func failures() throws {
        let ws = try Workspace()
        let c = try ws.catalog()
        var chunkOffset: Int64 = 0
        for name in ["gone", "damaged", "fine"] {
            let bytes = try recordingBytes(user: name, seconds: 10, outputs: Self.noise, codec: .none)
            if name == "damaged" { chunkOffset = try RecordingReader(source: MemorySource(bytes)).entries[1].offset }
            try write(bytes, to: ws.path(name))
            _ = try c.importRecording(path: ws.path(name), actor: "t", deferText: true)
        }
        let pending = try c.textPendingRecordings()
        #expect(pending.map(\.user) == ["gone", "damaged", "fine"])
        try c.delete(pending[0], reason: "test", by: admin)
        try c.write { db in
            let row = try #require(try SQLRow.fetchOne(db, sql: "SELECT rowid, bytes FROM chunks WHERE recording_id = ? AND file_offset = ?",
                                                   arguments: [pending[1].rowID, chunkOffset]))
            var bytes = [UInt8](row["bytes"] as Data)
            bytes[60] ^= 0xFF   // a payload byte: its checksum fails
            try db.execute(sql: "UPDATE chunks SET bytes = ? WHERE rowid = ?", arguments: [Data(bytes), row["rowid"] as Int64])
        }

        #expect(throws: CatalogError(.notFound, "")) { try c.indexText(of: pending[0], actor: "t") }
        do {
            _ = try c.indexText(of: pending[0], actor: "t")
        } catch {
            #expect(error.message == "Recording \(pending[0].uuid) was deleted from the catalog \(ws.dbPath) before its text could be indexed.")
        }
        do {
            _ = try c.indexText(of: pending[1], actor: "t")
            Issue.record("a damaged chunk was indexed")
        } catch {
            #expect(error.code == .database)
            #expect(error.message.hasPrefix("The stored content of recording \(pending[1].uuid) is corrupt at byte \(chunkOffset + 48)"))
            #expect(error.message.hasSuffix("its text was not indexed and it stays pending."))
        }
        #expect(try c.recording(pending[1].uuid).textPending)
        #expect(try Self.count(c, "SELECT count(*) FROM terminal_text WHERE recording_id = \(pending[1].rowID)") == 0)
        #expect(try c.indexText(of: pending[2], actor: "t").indexed)
        #expect(try c.textPendingRecordings().map(\.user) == ["damaged"])
    }

    @Test("delete and prune remove pending recordings, which have no text rows")
    func deleteAndPrune() throws {
        let ws = try Workspace()
        let c = try ws.catalog()
        let now: Int64 = 1_764_000_000_000_000, day: Int64 = 86_400_000_000
        for (name, age) in [("old", 100), ("new", 1), ("indexed", 100)] {
            try write(try recordingBytes(user: name, start: now - Int64(age) * day, outputs: Self.noise), to: ws.path(name))
            _ = try c.importRecording(path: ws.path(name), actor: "t", deferText: name != "indexed")
        }
        let report = try c.prune(olderThanMicros: 30 * day, nowMicros: now, dryRun: false, by: admin)
        #expect(report.deleted.compactMap(\.recording.user).sorted() == ["indexed", "old"])
        try c.delete(try c.textPendingRecordings()[0], reason: "test", by: admin)
        #expect(try Self.count(c, "SELECT count(*) FROM recordings") == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM chunks") == 0)
        #expect(try Self.count(c, "SELECT count(*) FROM terminal_text") == 0)
        #expect(try c.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        try c.write { db in try db.execute(sql: "INSERT INTO terminal_text_fts (terminal_text_fts, rank) VALUES ('integrity-check', 0)") }
    }

    @Test("a catalog made before deferred indexing upgrades: its recordings are not pending")
    func migration() throws {
        let ws = try Workspace()
        try write(try recordingBytes(user: "alice", outputs: ["needle"]), to: ws.path("a.psrec"))
        try write(try recordingBytes(user: "bob", outputs: ["needle"]), to: ws.path("b.psrec"))
        do {
            let c = try ws.catalog()
            _ = try c.importRecording(path: ws.path("a.psrec"), actor: "t")
            // Back to the v1 schema, as an older psrec left it.
            try c.database.writeWithoutTransaction { db in
                try db.execute(sql: """
                    DROP INDEX recordings_text_pending;
                    ALTER TABLE recordings DROP COLUMN text_pending;
                    DELETE FROM grdb_migrations WHERE identifier = 'v2: deferred text indexing';
                    """)
            }
            #expect(!(try c.recordingColumns().contains("text_pending")))
        }
        let c = try Catalog(path: ws.dbPath)
        #expect(try c.recordingColumns().contains("text_pending"))
        #expect(try c.textPendingRecordings().isEmpty)
        #expect(try c.search(Self.textQuery("needle"), as: admin).map(\.user) == ["alice"])
        #expect(try c.importRecording(path: ws.path("b.psrec"), actor: "t", deferText: true).kind == .added)
        #expect(try c.textPendingRecordings().map(\.user) == ["bob"])
        #expect(try Self.count(c, "SELECT count(*) FROM grdb_migrations") == 9)
    }

    @Test("a new catalog has 16 KiB pages and incremental auto-vacuum; an existing one keeps its page size")
    func pageSize() throws {
        let ws = try Workspace()
        let pragmas = { (c: Catalog) in try c.read { db in [try Int.fetchOne(db, sql: "PRAGMA page_size"), try Int.fetchOne(db, sql: "PRAGMA auto_vacuum")] } }
        #expect(try pragmas(try ws.catalog()) == [16384, 2])
        let old = try DatabaseQueue(path: ws.path("old.db"))
        // A catalog begun by a psrec that used SQLite's default page size.
        try old.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA page_size = 4096; CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)") }
        try old.close()
        #expect(try pragmas(try Catalog(path: ws.path("old.db"))).first == 4096)
    }
}
