import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Catalog retention")
struct CatalogRetentionTests {
    static let day: Int64 = 86_400_000_000
    static let now: Int64 = 1_764_000_000_000_000

    /// Recordings 5, 50 and 200 days old in db-prod (30-day retention) and one 200 days
    /// old in an application without retention; large enough that deleting frees pages.
    static func setUp(_ ws: Workspace) throws -> (Catalog, [String: CatalogRecording]) {
        let c = try ws.catalog()
        try c.addApplication("db-prod", sessionProtocol: "ssh", recordingEnabled: true, retentionDays: 30, by: admin)
        var byName: [String: CatalogRecording] = [:]
        let noise = (0..<200).map { "\($0) \(UInt64($0) &* 0x9E37_79B9_7F4A_7C15)" }.joined(separator: " ")
        for (name, app, age) in [("new", "db-prod", 5), ("old", "db-prod", 50), ("ancient", "db-prod", 200), ("kept", "archive", 200)] {
            try write(try recordingBytes(user: name, application: app, start: now - Int64(age) * day, seconds: 30, outputs: [noise], codec: .none), to: ws.path(name))
            byName[name] = try c.recording(try #require(try c.importRecording(path: ws.path(name), actor: "t").recordingID))
        }
        return (c, byName)
    }

    func remaining(_ c: Catalog) throws -> [String] {
        try c.search(RecordingQuery(), as: admin).compactMap(\.user).sorted()
    }

    @Test("prune deletes what is past each application's retention, with content, and gives space back", arguments: Engine.allCases)
    func byRetention(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, r) = try Self.setUp(ws)
        let dry = try c.prune(olderThanMicros: nil, nowMicros: Self.now, dryRun: true, by: admin)
        #expect(dry.deleted.compactMap(\.recording.user).sorted() == ["ancient", "old"])
        #expect(try remaining(c) == ["ancient", "kept", "new", "old"])
        let report = try c.prune(olderThanMicros: nil, nowMicros: Self.now, dryRun: false, by: admin)
        #expect(report.deleted.count == 2)
        #expect(try remaining(c) == ["kept", "new"])
        // SQLite gives the space back to the file system; PostgreSQL keeps it for reuse.
        #expect(engine == .postgresql || report.bytesAfter < report.bytesBefore)
        #expect(report.deleted.allSatisfy { $0.reason.contains("30-day retention period of application db-prod") })
        let leftovers = try c.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM chunks WHERE recording_id NOT IN (SELECT id FROM recordings)) + (SELECT count(*) FROM terminal_text WHERE recording_id NOT IN (SELECT id FROM recordings)) + (SELECT count(*) FROM indicators WHERE recording_id NOT IN (SELECT id FROM recordings))")
        }
        #expect(leftovers == 0)
        // The full-text index forgot the deleted recordings' text, and nothing else.
        let (matches, rows) = try c.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM \(Catalog.textMatch(c.dialect, parameter: "?"))", arguments: [Catalog.textQuery(c.dialect, "session")]),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text"))
        }
        #expect(matches == rows)
        #expect(rows ?? 0 > 0)
        let deletions = try c.read { db in try String.fetchAll(db, sql: "SELECT recording_uuid FROM audit_log WHERE action = 'delete'") }
        #expect(Set(deletions) == [r["old"]!.uuid, r["ancient"]!.uuid])
        if engine == .sqlite {
            try c.write { db in try db.execute(sql: "INSERT INTO terminal_text_fts (terminal_text_fts) VALUES ('integrity-check')") }
            let free = try c.read { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") }
            #expect(free == 0)
        }
    }

    @Test("--older-than applies to every application; a legal hold exempts a recording", arguments: Engine.allCases)
    func byAgeAndHold(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, r) = try Self.setUp(ws)
        try c.setLegalHold(true, on: r["ancient"]!, reason: "case 42", by: admin)
        let report = try c.prune(olderThanMicros: 100 * Self.day, nowMicros: Self.now, dryRun: false, by: admin)
        #expect(report.deleted.compactMap(\.recording.user) == ["kept"])
        #expect(report.held.compactMap(\.recording.user) == ["ancient"])
        #expect(try remaining(c) == ["ancient", "new", "old"])
        try c.setLegalHold(false, on: try c.recording(r["ancient"]!.uuid), reason: nil, by: admin)
        _ = try c.prune(olderThanMicros: 100 * Self.day, nowMicros: Self.now, dryRun: false, by: admin)
        #expect(try remaining(c) == ["new", "old"])
    }

    @Test("stats: usage per application and user", arguments: Engine.allCases)
    func stats(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, r) = try Self.setUp(ws)
        let usage = try c.usage(as: admin)
        let prod = try #require(usage.byApplication.first { $0.name == "db-prod" })
        #expect(prod.recordings == 3)
        #expect(prod.contentBytes == r["new"]!.fileBytes + r["old"]!.fileBytes + r["ancient"]!.fileBytes)
        #expect(usage.byUser.count == 4)
        #expect(usage.fileBytes > prod.contentBytes)
        #expect(try c.usage(as: .user("new")).byUser.map(\.name) == ["new"])
    }
}
