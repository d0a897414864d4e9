import Foundation
import GRDB
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// A legal hold placed while a deletion is under way, by another connection, must win:
/// the hold is read in the deletion's own transaction.
@Suite("Legal hold against concurrent deletion")
struct LegalHoldRaceTests {
    @Test("a hold placed through a second connection after prune listed the recordings keeps them")
    func holdPlacedDuringPrune() throws {
        let ws = try Workspace()
        let (c, r) = try CatalogRetentionTests.setUp(ws)
        let other = try Catalog(path: ws.dbPath)
        var seen: [String] = []
        var failure: (any Error)?
        // Both db-prod recordings past retention are listed first ("ancient", then "old");
        // just before the first deletion another connection holds them both, the one
        // about to be deleted included.
        let report = try c.prune(olderThanMicros: nil, nowMicros: CatalogRetentionTests.now, dryRun: false, by: admin) { candidate in
            seen.append(candidate.recording.user ?? "")
            guard seen.count == 1 else { return }
            do {
                for name in ["ancient", "old"] { try other.setLegalHold(true, on: r[name]!, reason: "litigation", by: admin) }
            } catch {
                failure = error
            }
        }
        #expect(failure == nil)
        #expect(seen == ["ancient", "old"])
        #expect(report.deleted.isEmpty)
        #expect(report.held.map { $0.recording.user ?? "" }.sorted() == ["ancient", "old"])
        #expect(try c.search(RecordingQuery(), as: admin).compactMap(\.user).sorted() == ["ancient", "kept", "new", "old"])
        let deletions = try c.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log WHERE action = 'delete'") }
        #expect(deletions == 0)
    }

    @Test("prune still deletes what nobody held, in the same run that keeps a late hold")
    func lateHoldOnOneOnly() throws {
        let ws = try Workspace()
        let (c, r) = try CatalogRetentionTests.setUp(ws)
        let other = try Catalog(path: ws.dbPath)
        let report = try c.prune(olderThanMicros: nil, nowMicros: CatalogRetentionTests.now, dryRun: false, by: admin) { candidate in
            if candidate.recording.user == "ancient" { try? other.setLegalHold(true, on: r["old"]!, reason: nil, by: admin) }
        }
        #expect(report.deleted.map { $0.recording.user ?? "" } == ["ancient"])
        #expect(report.held.map { $0.recording.user ?? "" } == ["old"])
        #expect(try c.search(RecordingQuery(), as: admin).compactMap(\.user).sorted() == ["kept", "new", "old"])
    }

    @Test("delete given a recording read before a hold was placed refuses, and the recording stays")
    func deleteWithStaleRecording() throws {
        let ws = try Workspace()
        let (c, r) = try CatalogRetentionTests.setUp(ws)
        let stale = try #require(r["new"])
        #expect(!stale.legalHold)
        try Catalog(path: ws.dbPath).setLegalHold(true, on: stale, reason: "litigation", by: admin)
        #expect(throws: CatalogError(.legalHold, "")) { try c.delete(stale, reason: "by hand", by: admin) }
        #expect(try c.recording(stale.uuid).legalHold)
        let textRows = try c.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text WHERE recording_id = ?", arguments: [stale.rowID]) }
        #expect(textRows ?? 0 > 0)
    }

    @Test("psrec delete on a held recording exits 3 and says so; the hold is in the same transaction")
    func deleteCommandOnHeld() throws {
        let ws = try Workspace()
        let (c, r) = try CatalogRetentionTests.setUp(ws)
        let id = try #require(r["new"]).uuid
        #expect(try CLI.run(["legal-hold", "--db", ws.dbPath, id]).status == 0)
        let result = try CLI.run(["delete", "--db", ws.dbPath, id])
        #expect(result.status == 3)
        #expect(result.stderr.contains("under legal hold and was not deleted"))
        #expect(try c.recording(id).legalHold)
    }
}
