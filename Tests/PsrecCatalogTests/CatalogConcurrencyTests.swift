import Foundation
import GRDB
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// Another process's long transaction (a big import) must not lock everyone else out.
@Suite("Catalog under concurrent use", .serialized)
struct CatalogConcurrencyTests {
    /// A catalog with one recording of application db-prod (recording enabled).
    static func setUp() throws -> (Workspace, String) {
        let ws = try Workspace()
        try write(try recordingBytes(user: "alice", application: "db-prod"), to: ws.path("a.psrec"))
        let c = try ws.catalog()
        let id = try #require(try c.importRecording(path: ws.path("a.psrec"), actor: "t").recordingID)
        return (ws, id)
    }

    /// Holds a write transaction on `db` from a connection of its own, as a long import
    /// does: it writes several megabytes (more than SQLite's page cache, so a rollback-mode
    /// catalog would take its exclusive lock), keeps the transaction open for `seconds`,
    /// then rolls it back. `exclusive` takes the whole file for itself, as no psrec command
    /// does, so that even readers must wait.
    final class WriteHolder: @unchecked Sendable {
        let held = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?

        init(_ db: String, seconds: Double, exclusive: Bool = false) {
            Thread.detachNewThread { [self] in
                do {
                    let queue = try DatabaseQueue(path: db)
                    try queue.writeWithoutTransaction { db in
                        if exclusive { try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE") }
                        try db.execute(sql: "BEGIN IMMEDIATE")
                        try db.execute(sql: """
                            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
                            INSERT INTO users (name, created_us) SELECT 'holder-' || hex(randomblob(200)), 0 FROM n
                            """)
                        held.signal()
                        Thread.sleep(forTimeInterval: seconds)
                        try db.execute(sql: "ROLLBACK")
                        if exclusive { try db.execute(sql: "PRAGMA locking_mode = NORMAL; SELECT count(*) FROM users") }
                    }
                } catch {
                    self.error = error
                    held.signal()
                }
                done.signal()
            }
            held.wait()
        }
    }

    static func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    @Test("while another process holds a write transaction longer than 10 s, readers and the record look-up answer at once and writers wait")
    func longWriteDoesNotLockOthersOut() throws {
        let (ws, id) = try Self.setUp()
        let holdSeconds = 14.0
        let started = Date()
        let holder = WriteHolder(ws.dbPath, seconds: holdSeconds)
        #expect(holder.error == nil)

        // Read-only: answers while the transaction is open.
        let status = try MeasuredRun.run(["app", "status", "--db", ws.dbPath, "db-prod"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout == "enabled\n")
        #expect(status.seconds < 5)

        // The session starts at once; its import at the end waits for the transaction.
        let recordingPath = ws.path("session.psrec"), dbPath = ws.dbPath
        nonisolated(unsafe) var record: MeasuredRun?
        nonisolated(unsafe) var search: MeasuredRun?
        nonisolated(unsafe) var info: MeasuredRun?
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            record = try? MeasuredRun.run(["record", "--db", dbPath, "--app", "db-prod", "-o", recordingPath, "--",
                                                 "/bin/sh", "-c", "echo recorded-during-import"])
        }
        // These write an audit row, so they wait for the write lock, past the 10 s that
        // made them fail before.
        DispatchQueue.global().async(group: group) { search = try? MeasuredRun.run(["search", "--db", dbPath, "--json"]) }
        DispatchQueue.global().async(group: group) { info = try? MeasuredRun.run(["info", "--db", dbPath, id]) }
        #expect(Self.waitUntil(seconds: 8) { FileManager.default.fileExists(atPath: recordingPath) },
                "the session should have started while the transaction was held")
        #expect(Date().timeIntervalSince(started) < holdSeconds)
        group.wait()
        holder.done.wait()

        let r = try #require(record), s = try #require(search), i = try #require(info)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(s.status == 0, "\(s.stderr)")
        #expect(i.status == 0, "\(i.stderr)")
        for result in [r, s, i] { #expect(!result.stderr.contains("locked"), "\(result.stderr)") }
        #expect(s.stdout.contains(id))
        // The session was imported once the transaction ended.
        let recorded = try Catalog(path: ws.dbPath).search(RecordingQuery(), as: admin)
        #expect(recorded.count == 2)
        #expect(Date().timeIntervalSince(started) >= holdSeconds)
    }

    @Test("a catalog that cannot answer in time does not stop the session from being recorded")
    func recordAnywayWhenTheCatalogCannotAnswer() throws {
        let (ws, _) = try Self.setUp()
        // Disabled: a catalog that answered would not record.
        #expect(try CLI.run(["app", "disable", "--db", ws.dbPath, "db-prod"]).status == 0)
        let holder = WriteHolder(ws.dbPath, seconds: 8, exclusive: true)
        #expect(holder.error == nil)
        let recordingPath = ws.path("session.psrec")
        let record = try MeasuredRun.run(["record", "--db", ws.dbPath, "--app", "db-prod", "-o", recordingPath, "--",
                                                "/bin/sh", "-c", "echo recorded-in-doubt"])
        holder.done.wait()
        #expect(record.status == 0, "\(record.stderr)")
        #expect(record.stderr.contains("did not answer within 3 s"))
        #expect(record.stderr.contains("recorded anyway"))
        #expect(record.stdout.contains("recorded-in-doubt"))
        let reader = try RecordingReader(path: recordingPath)
        #expect(reader.metadata?.application == "db-prod")
    }

    @Test("a catalog made before WAL is switched to WAL when nobody else has it open, and opening it never waits for the switch")
    func rollbackCatalogIsSwitchedWithoutWaiting() throws {
        let (ws, _) = try Self.setUp()
        try DatabaseQueue(path: ws.dbPath).writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
        // Another process reads the old catalog: the switch cannot happen now.
        let reading = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let dbPath = ws.dbPath
        Thread.detachNewThread {
            try? DatabaseQueue(path: dbPath).writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN DEFERRED")
                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM recordings")
                reading.signal()
                Thread.sleep(forTimeInterval: 6)
                try db.execute(sql: "COMMIT")
            }
            done.signal()
        }
        reading.wait()
        let status = try MeasuredRun.run(["app", "status", "--db", ws.dbPath, "db-prod"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.seconds < 3)
        #expect(try CLI.sqlite(ws.dbPath, "PRAGMA journal_mode") == "delete\n")
        done.wait()
        #expect(try MeasuredRun.run(["app", "status", "--db", ws.dbPath, "db-prod"]).status == 0)
        #expect(try CLI.sqlite(ws.dbPath, "PRAGMA journal_mode") == "wal\n")
    }
}
