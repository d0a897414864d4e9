import Foundation
import GRDB
import PsrecFormat
import PsrecTestSupport
import Testing

/// `psrec import --defer-text`, `psrec index`, and what `search --text` and `stats` say
/// about recordings whose text is pending; run as the `psrec` binary.
@Suite("Index command", .serialized)
struct IndexCommandTests {
    /// Two recordings (alice shows "payroll", bob does not) imported with --defer-text.
    static func setUp() throws -> (Workspace, CLI.Result) {
        let ws = try Workspace()
        let dir = ws.path("in")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try write(try recordingBytes(user: "alice", application: "db-prod", outputs: ["SELECT salary FROM payroll;"]), to: dir + "/a.psrec")
        try write(try recordingBytes(user: "bob", application: "crm", seconds: 20), to: dir + "/b.psrec")
        let result = try CLI.run(["import", "--db", ws.dbPath, "--defer-text", dir])
        return (ws, result)
    }

    static func id(_ ws: Workspace, user: String) throws -> String { try CatalogCommandTests.id(ws, user: user) }

    @Test("import --defer-text, then search --text notes what it could not search, stats counts it, and index makes it searchable, once")
    func deferredThenIndexed() throws {
        let (ws, imported) = try Self.setUp()
        #expect(imported.status == 0)
        #expect(imported.text.split(separator: "\n").filter { $0.hasPrefix("added ") }.count == 2)
        #expect(imported.stderr.contains("2 added, 0 extended, 0 unchanged, 0 skipped; their text is not indexed yet: `psrec index --db \(ws.dbPath)` indexes it."))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*), sum(text_pending) FROM recordings") == "2|2\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM terminal_text") == "0\n")

        let before = try CLI.run(["search", "--db", ws.dbPath, "--text", "payroll"])
        #expect(before.status == 0)
        #expect(before.text.isEmpty)
        #expect(before.stderr.contains("Note: 2 recordings were not searched for text because their text is not indexed yet; `psrec index --db \(ws.dbPath)` indexes them."))
        let alice = try CLI.run(["search", "--db", ws.dbPath, "--text", "payroll", "--user", "alice", "--json"])
        #expect(alice.stderr.contains("Note: 1 recording was not searched for text because its text is not indexed yet;"))
        #expect(!(try CLI.run(["search", "--db", ws.dbPath, "--text", "payroll", "--as", "mallory"]).stderr.contains("Note:")))
        #expect(!(try CLI.run(["search", "--db", ws.dbPath]).stderr.contains("Note:")))
        let stats = try CLI.run(["stats", "--db", ws.dbPath])
        #expect(stats.status == 0)
        #expect(stats.text.contains("Text not indexed yet: 2 recordings (not found by search --text until `psrec index --db \(ws.dbPath)` indexes them)"))

        let first = try CLI.run(["index", "--db", ws.dbPath, "--limit", "1"])
        #expect(first.status == 0)
        let aliceID = try Self.id(ws, user: "alice")
        #expect(first.text.hasPrefix("indexed \(aliceID) "))   // the oldest import first
        #expect(first.text.split(separator: "\n").count == 1)
        #expect(first.stderr.contains("1 recording indexed in \(ws.dbPath)"))
        #expect(first.stderr.contains("; 1 still pending."))
        let rest = try CLI.run(["index", "--db", ws.dbPath])
        #expect(rest.status == 0)
        #expect(rest.text.hasPrefix("indexed \(try Self.id(ws, user: "bob")) "))
        #expect(!rest.stderr.contains("pending"))

        let after = try CLI.run(["search", "--db", ws.dbPath, "--text", "salary from payroll", "--json"])
        #expect(after.status == 0)
        #expect(after.text.contains("\"user\":\"alice\""))
        #expect(!after.stderr.contains("Note:"))
        #expect(try CLI.run(["stats", "--db", ws.dbPath]).text.contains("Text not indexed yet: 0 recordings\n"))

        let again = try CLI.run(["index", "--db", ws.dbPath])
        #expect(again.status == 0)
        #expect(again.text.isEmpty)
        #expect(again.stderr == "psrec: No recording in \(ws.dbPath) has text waiting to be indexed.\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM audit_log WHERE action = 'index'") == "2\n")
    }

    @Test("index reports a damaged stored chunk in one sentence, indexes the others, and exits 2")
    func damaged() throws {
        let (ws, _) = try Self.setUp()
        let bob = try Self.id(ws, user: "bob")
        let offset = try RecordingReader(path: ws.path("in/b.psrec")).entries[2].offset
        let db = try DatabaseQueue(path: ws.dbPath)
        try db.write { db in
            let bytes = try #require(try Data.fetchOne(db, sql: "SELECT bytes FROM chunks WHERE file_offset = ? AND recording_id = (SELECT id FROM recordings WHERE uuid = ?)", arguments: [offset, bob]))
            var damaged = [UInt8](bytes)
            damaged[damaged.count - 1] ^= 0xFF
            try db.execute(sql: "UPDATE chunks SET bytes = ? WHERE file_offset = ? AND recording_id = (SELECT id FROM recordings WHERE uuid = ?)", arguments: [Data(damaged), offset, bob])
        }
        try db.close()
        let result = try CLI.run(["index", "--db", ws.dbPath])
        #expect(result.status == 2)
        #expect(result.text.hasPrefix("indexed \(try Self.id(ws, user: "alice")) "))
        #expect(result.stderr.contains("The stored content of recording \(bob) is corrupt at byte \(offset + 48) ("))
        #expect(result.stderr.contains("its text was not indexed and it stays pending.\n"))
        #expect(result.stderr.contains("1 recording indexed in \(ws.dbPath)"))
        #expect(result.stderr.contains(", 1 failed; 1 still pending."))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT user FROM recordings WHERE text_pending = 1") == "bob\n")
    }

    @Test("import without --defer-text indexes at once; index usage errors and a missing catalog have their statuses")
    func statuses() throws {
        let ws = try Workspace()
        try write(try recordingBytes(outputs: ["needle"]), to: ws.path("a.psrec"))
        let imported = try CLI.run(["import", "--db", ws.dbPath, ws.path("a.psrec")])
        #expect(imported.status == 0)
        #expect(!imported.stderr.contains("not indexed"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT text_pending FROM recordings") == "0\n")
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--text", "needle", "--json"]).text.split(separator: "\n").count == 1)
        #expect(try CLI.run(["index", "--db", ws.dbPath]).status == 0)
        let limit = try CLI.run(["index", "--db", ws.dbPath, "--limit", "0"])
        #expect(limit.status == 64)
        #expect(limit.stderr.contains("--limit must be 1 or more."))
        let missing = try CLI.run(["index", "--db", ws.path("nope.db")])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("does not exist"))
        let help = try CLI.run(["index", "--help"])
        #expect(help.status == 0)
        #expect(help.text.contains("--limit <limit>"))
        let helpWords = help.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(helpWords.contains("Exit status: 0 every pending recording was indexed (or none was pending), 2 one or more could not be indexed"))
        #expect(try CLI.run(["--help"]).text.contains("index"))
        #expect(try CLI.run(["import", "--help"]).text.contains("--defer-text"))
    }
}
