import Foundation
import PsrecFormat
import Testing
import PsrecTestSupport

/// The catalog commands, run as the `psrec` binary.
@Suite("Catalog commands", .serialized)
struct CatalogCommandTests {
    static let day: Int64 = 86_400_000_000
    static var now: Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    /// A directory with two good recordings (alice/db-prod 3 days old, bob/crm 200 days
    /// old), one corrupt and one that is not a recording; imported into the catalog.
    static func setUp() throws -> (Workspace, CLI.Result) {
        let ws = try Workspace()
        let dir = ws.path("in")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try write(try recordingBytes(user: "alice", application: "db-prod", start: now - 3 * day, outputs: ["SELECT salary FROM payroll;"],
                                     indicators: [.command("psql payroll")]), to: dir + "/a.psrec")
        try write(try recordingBytes(user: "bob", application: "crm", host: "h\u{1B}]0;pwned\u{07}", start: now - 200 * day, seconds: 20), to: dir + "/b.psrec")
        var bytes = try recordingBytes(seconds: 10, codec: .none)
        let reader = try RecordingReader(source: MemorySource(bytes))
        bytes[Int(reader.entries[2].offset) + 60] ^= 0x55
        try write(bytes, to: dir + "/c-corrupt.psrec")
        try write(Array("hello".utf8), to: dir + "/d-invalid.psrec")
        let result = try CLI.run(["import", "--db", ws.dbPath, dir])
        return (ws, result)
    }

    static func id(_ ws: Workspace, user: String) throws -> String {
        try CLI.sqlite(ws.dbPath, "SELECT uuid FROM recordings WHERE user = '\(user)'").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("import reports skipped files, exits 3 for an invalid one, 2 for only corrupt ones, and is idempotent")
    func importStatuses() throws {
        let (ws, result) = try Self.setUp()
        #expect(result.status == 3)
        #expect(result.text.split(separator: "\n").filter { $0.hasPrefix("added ") }.count == 2)
        #expect(result.stderr.contains("skipped \(ws.path("in"))/c-corrupt.psrec"))
        #expect(result.stderr.contains("is corrupt"))
        #expect(result.stderr.contains("d-invalid.psrec is invalid"))
        #expect(result.stderr.contains("2 added, 0 extended, 0 unchanged, 2 skipped (1 corrupt, 1 invalid or conflicting)"))
        let again = try CLI.run(["import", "--db", ws.dbPath, ws.path("in/a.psrec"), ws.path("in/c-corrupt.psrec")])
        #expect(again.status == 2)
        #expect(again.text.hasPrefix("unchanged "))
        let clean = try CLI.run(["import", "--db", ws.dbPath, ws.path("in/a.psrec")])
        #expect(clean.status == 0)
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "2\n")
    }

    @Test("search: table, JSON, CSV, filters, and clear errors for bad dates and columns")
    func search() throws {
        let (ws, _) = try Self.setUp()
        let table = try CLI.run(["search", "--db", ws.dbPath])
        #expect(table.status == 0)
        let lines = table.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("ID "))
        #expect(lines[1].contains("alice"))   // newest first
        #expect(!table.text.contains("\u{1B}"))  // the host's escape sequence is shown escaped
        #expect(table.text.contains("h\\x1b]0;pwned\\x07"))
        let json = try CLI.run(["search", "--db", ws.dbPath, "--from", "7d", "--json"])
        #expect(json.text.split(separator: "\n").count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout)) as? [String: Any])
        #expect(object["user"] as? String == "alice")
        #expect(object["recording_id"] as? String == (try Self.id(ws, user: "alice")))
        let csv = try CLI.run(["search", "--db", ws.dbPath, "--csv", "--text", "salary from payroll", "--indicator", "command", "--app", "db-prod"])
        #expect(csv.text.hasPrefix("recording_id,start_time,"))
        #expect(csv.text.split(separator: "\r\n").count == 2)
        let old = try CLI.run(["search", "--db", ws.dbPath, "--to", "30d", "--where", "user=bob", "--min-duration", "15s", "--protocol", "ssh", "--json"])
        #expect(old.text.contains("\"user\":\"bob\""))
        let badDate = try CLI.run(["search", "--db", ws.dbPath, "--from", "last tuesday"])
        #expect(badDate.status == 64)
        #expect(badDate.stderr.contains("The value 'last tuesday' is invalid for '--from <date>': it is not a date"))
        let badColumn = try CLI.run(["search", "--db", ws.dbPath, "--where", "colour=red"])
        #expect(badColumn.status == 64)
        #expect(badColumn.stderr.contains("no column 'colour'"))
        let missing = try CLI.run(["search", "--db", ws.path("nope.db")])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("does not exist"))
    }

    @Test("export writes the imported file byte for byte; info, cat, events and verify read from the catalog")
    func exportAndRead() throws {
        let (ws, _) = try Self.setUp()
        let id = try Self.id(ws, user: "alice")
        let export = try CLI.run(["export", "--db", ws.dbPath, String(id.prefix(8)), "-o", ws.path("out.psrec")])
        #expect(export.status == 0)
        #expect(try readFile(ws.path("out.psrec")) == readFile(ws.path("in/a.psrec")))
        #expect(try CLI.run(["export", "--db", ws.dbPath, id, "-o", ws.path("out.psrec")]).status == 64)
        let fromFile = try CLI.run(["cat", ws.path("in/a.psrec")])
        let fromCatalog = try CLI.run(["cat", "--db", ws.dbPath, id])
        #expect(fromCatalog.status == 0)
        #expect(fromCatalog.stdout == fromFile.stdout)
        let info = try CLI.run(["info", "--db", ws.dbPath, id, "--json"])
        #expect(info.status == 0)
        #expect(info.text.contains("\"status\":\"complete\""))
        #expect(try CLI.run(["events", "--db", ws.dbPath, id]).text.contains("command \"psql payroll\""))
        let verify = try CLI.run(["verify", "--db", ws.dbPath])
        #expect(verify.status == 0)
        #expect(verify.text.split(separator: "\n").count == 2)
        #expect(verify.text.contains("complete"))
        let unknown = try CLI.run(["info", "--db", ws.dbPath, "ffffffff"])
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("No recording in the catalog"))
    }

    @Test("--as: a user who is neither owner, auditor nor manager is told not found (status 3), and the refusal is recorded")
    func refusal() throws {
        let (ws, _) = try Self.setUp()
        let id = try Self.id(ws, user: "alice")
        for command in [["info"], ["cat"], ["events"], ["export", "-o", ws.path("x.psrec")], ["verify"]] {
            let result = try CLI.run(Array(command.prefix(1)) + ["--db", ws.dbPath, "--as", "mallory", id] + command.dropFirst())
            #expect(result.status == 3, "\(command)")
            #expect(result.stderr.contains("No recording in the catalog"), "\(command)")
            #expect(result.stdout.isEmpty)
        }
        #expect(!FileManager.default.fileExists(atPath: ws.path("x.psrec")))
        #expect(try CLI.run(["info", "--db", ws.dbPath, "--as", "alice", id]).status == 0)
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--as", "mallory"]).text.isEmpty)
        #expect(try CLI.run(["grant", "--db", ws.dbPath, "mallory", "audit", "--app", "db-prod"]).status == 0)
        #expect(try CLI.run(["info", "--db", ws.dbPath, "--as", "mallory", id]).status == 0)
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--as", "mallory", "--json"]).text.split(separator: "\n").count == 1)
        #expect(try CLI.run(["revoke", "--db", ws.dbPath, "mallory", "audit", "--app", "db-prod"]).status == 0)
        #expect(try CLI.run(["cat", "--db", ws.dbPath, "--as", "mallory", id]).status == 3)
        let refusals = try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM audit_log WHERE action = 'refused' AND actor = 'mallory' AND recording_uuid = '\(id)'")
        #expect(refusals == "6\n")
    }

    @Test("app status tells capture tools whether to record; prune honours retention and legal hold")
    func appsAndPrune() throws {
        let (ws, _) = try Self.setUp()
        #expect(try CLI.run(["app", "status", "--db", ws.dbPath, "crm"]).text == "enabled\n")
        #expect(try CLI.run(["app", "disable", "--db", ws.dbPath, "crm"]).status == 0)
        let disabled = try CLI.run(["app", "status", "--db", ws.dbPath, "crm"])
        #expect(disabled.status == 1)
        #expect(disabled.text == "disabled\n")
        #expect(try CLI.run(["app", "status", "--db", ws.dbPath, "nope"]).status == 3)
        #expect(try CLI.run(["app", "add", "--db", ws.dbPath, "vault", "--protocol", "rdp", "--retention", "30d"]).status == 0)
        #expect(try CLI.run(["app", "set-retention", "--db", ws.dbPath, "crm", "90d"]).status == 0)
        #expect(try CLI.run(["app", "set-retention", "--db", ws.dbPath, "crm", "soon"]).status == 64)

        let bob = try Self.id(ws, user: "bob")
        #expect(try CLI.run(["legal-hold", "--db", ws.dbPath, "--as", "alice", bob]).status == 3)
        #expect(try CLI.run(["legal-hold", "--db", ws.dbPath, bob, "--reason", "case 7"]).status == 0)
        let held = try CLI.run(["prune", "--db", ws.dbPath])
        #expect(held.status == 0)
        #expect(held.text.hasPrefix("kept \(bob)"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "2\n")
        #expect(try CLI.run(["legal-hold", "--db", ws.dbPath, bob, "--release"]).status == 0)
        let dry = try CLI.run(["prune", "--db", ws.dbPath, "--dry-run"])
        #expect(dry.text.hasPrefix("would delete \(bob)"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "2\n")
        let pruned = try CLI.run(["prune", "--db", ws.dbPath])
        #expect(pruned.text.hasPrefix("deleted \(bob)"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "1\n")
        #expect(try CLI.run(["prune", "--db", ws.dbPath, "--older-than", "1d"]).text.hasPrefix("deleted "))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "0\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM chunks") == "0\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM audit_log WHERE action = 'delete'") == "2\n")
        let stats = try CLI.run(["stats", "--db", ws.dbPath])
        #expect(stats.status == 0)
        #expect(stats.text.contains("APPLICATION"))
    }

    @Test("the catalog opens in the sqlite3 shell: the README's query",
          .enabled(if: Recorders.sqlite3 != nil, "the sqlite3 shell is needed"))
    func sqliteShell() throws {
        let (ws, _) = try Self.setUp()
        let output = try CLI.sqlite(ws.dbPath, """
            SELECT r.start_time, r.user, r.application, r.duration_us / 1000000 AS seconds, count(i.id) AS commands
            FROM recordings r LEFT JOIN indicators i ON i.recording_id = r.id AND i.kind = 'command'
            WHERE r.start_time >= date('now', '-30 days')
            GROUP BY r.id ORDER BY r.start_time DESC;
            """)
        let fields = output.trimmingCharacters(in: .newlines).split(separator: "|")
        #expect(fields.count == 5)
        #expect(fields[1] == "alice")
        #expect(fields[2] == "db-prod")
        #expect(fields[4] == "1")
        #expect(try CLI.sqlite(ws.dbPath, "PRAGMA integrity_check") == "ok\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM terminal_text_fts WHERE terminal_text_fts MATCH 'payroll'") == "1\n")
    }
}
