import Foundation
@testable import PsrecCatalog
@testable import PsrecCLI
import PsrecFormat
import PsrecTestSupport
import Testing

/// What only the PostgreSQL engine has: its URL, its SQL spelling, the commands run against
/// a real server, bad addresses and passwords, a foreign database, and concurrent writers.
/// The catalog's behaviour on both engines is in the suites parameterised by `Engine`.
@Suite("The catalog on PostgreSQL")
struct PostgresCatalogTests {
    @Test("the SQL both engines share is spelled for PostgreSQL: placeholders, the user column, INSERT OR IGNORE, LIMIT -1; literals untouched")
    func translation() {
        let a = PostgresSQL.translate("SELECT r.user, 'user ? :x' FROM recordings r WHERE user = ? AND id > ? LIMIT -1 OFFSET 3")
        #expect(a.sql == "SELECT r.\"user\", 'user ? :x' FROM recordings r WHERE \"user\" = $1 AND id > $2 LIMIT ALL OFFSET 3")
        #expect(a.names.isEmpty)
        let b = PostgresSQL.translate("INSERT OR IGNORE INTO users (name, created_us) VALUES (:name, :now)")
        #expect(b.sql == "INSERT INTO users (name, created_us) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        #expect(b.names == ["name", "now"])
        let c = PostgresSQL.translate("SELECT :a, :b, :a, x::text, \"users\", users_x FROM t")
        #expect(c.sql == "SELECT $1, $2, $1, x::text, \"users\", users_x FROM t")
        #expect(c.names == ["a", "b"])
        #expect(PostgresSQL.statements("CREATE TABLE a (x TEXT DEFAULT ';');\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nSELECT 2") ==
                ["CREATE TABLE a (x TEXT DEFAULT ';')", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$", "SELECT 2"])
    }

    @Test("URLs as libpq reads them: parts, environment, sslmode, a password file only when private; bad ones refused in a sentence")
    func urls() throws {
        let plain = try PostgresLocation(url: "postgres://alice@db.example:6543/rec?sslmode=require", environment: ["PGPASSWORD": "pw"])
        #expect(plain.host == "db.example" && plain.port == 6543 && plain.user == "alice" && plain.database == "rec")
        #expect(plain.sslMode == "require" && plain.password == "pw")
        #expect(plain.description == "postgres://alice@db.example:6543/rec")
        let socket = try PostgresLocation(url: "postgresql:///rec?host=/run/postgresql", environment: ["PGUSER": "bob"])
        #expect(socket.socketFolder == "/run/postgresql" && socket.user == "bob" && socket.port == 5432 && socket.sslMode == "prefer")
        let withPassword = try PostgresLocation(url: "postgres://alice:s3cret@h/rec", environment: [:])
        #expect(withPassword.password == "s3cret" && !withPassword.description.contains("s3cret"))

        let ws = try Workspace()
        let file = ws.path("pgpass")
        try "# comment\nother:*:*:*:no\nh:5432:rec:alice:from\\:file\n*:*:*:*:fallback\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        #expect(try PostgresLocation(url: "postgres://alice@h/rec", environment: ["PGPASSFILE": file]).password == "from:file")
        #expect(try PostgresLocation(url: "postgres://carol@h/rec", environment: ["PGPASSFILE": file]).password == "fallback")
        chmod(file, 0o644)
        #expect(try PostgresLocation(url: "postgres://alice@h/rec", environment: ["PGPASSFILE": file]).password == nil)

        for (url, words) in [("postgres://h:99999/rec", "port"), ("postgres://h/rec?sslmode=sometimes", "sslmode"),
                             ("postgres://h/rec?options=-c%20x", "does not know"), ("mysql://h/rec", "not a PostgreSQL URL")] {
            #expect(throws: CatalogError.self, "\(url)") { try PostgresLocation(url: url, environment: [:]) }
            do { _ = try PostgresLocation(url: url, environment: [:]) } catch {
                #expect(error.code == .cannotOpen && error.message.contains(words), "\(error.message)")
            }
        }
    }

    @Test("psrec import, search and export on a PostgreSQL URL: the recording comes back byte for byte, and the password is never shown")
    func commands() throws {
        let ws = try Workspace(.postgresql)
        let bytes = try recordingBytes(outputs: ["SELECT secret FROM vault;\r\n"])
        try write(bytes, to: ws.path("a.psrec"))
        let imported = try CLI.run(["import", "--db", ws.dbPath, ws.path("a.psrec")])
        #expect(imported.status == 0, "\(imported.stderr)")
        let found = try CLI.run(["search", "--db", ws.dbPath, "--text", "secret from vault", "--json"])
        #expect(found.status == 0, "\(found.stderr)")
        let id = try #require(try Catalog(path: ws.dbPath).search(RecordingQuery(), as: admin).first?.uuid)
        #expect(found.text.contains(id))
        let exported = try CLI.run(["export", "--db", ws.dbPath, id, "-o", ws.path("back.psrec")])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try readFile(ws.path("back.psrec")) == bytes)
        let stats = try CLI.run(["stats", "--db", ws.dbPath])
        #expect(stats.status == 0, "\(stats.stderr)")

        let server = try #require(PostgresServer.withDriver)
        let wrong = ws.dbPath.replacingOccurrences(of: server.password, with: "not-the-password")
        let refused = try CLI.run(["search", "--db", wrong])
        #expect(refused.status == 3, "\(refused.stderr)")
        #expect(refused.stderr.contains("refused the login") && !refused.stderr.contains("not-the-password"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")

        let closed = try CLI.run(["search", "--db", "postgres://psrec:x@127.0.0.1:1/none?sslmode=disable"])
        #expect(closed.status == 3 && closed.stderr.contains("cannot be reached"), "\(closed.stderr)")
    }

    @Test("psrec carries no PostgreSQL, SwiftNIO or TLS code (psrec-net does); a command naming a PostgreSQL catalog is run by psrec-net, and without it psrec says so in one sentence")
    func onlyPsrecNetCarriesTheDriver() throws {
        let psrec = try Data(contentsOf: CLI.binary, options: .alwaysMapped)
        let net = try Data(contentsOf: CLI.binary.deletingLastPathComponent().appendingPathComponent("psrec-net"), options: .alwaysMapped)
        for module in ["PostgresNIO", "NIOSSL", "NIOPosix"] {
            // Swift's mangled names and metadata carry each module's name.
            #expect(psrec.range(of: Data(module.utf8)) == nil, "psrec links \(module)")
            #expect(net.range(of: Data(module.utf8)) != nil, "psrec-net does not link \(module)")
        }
        #expect(NetworkToolProbe.names(["search", "--db", "postgres://h/db"]))
        #expect(NetworkToolProbe.names(["catalog", "copy", "--from", "a.db", "--to=postgresql://h/db"]))
        #expect(!NetworkToolProbe.names(["search", "--db", "a.db", "--title", "postgres://h/db"]))
        #expect(!NetworkToolProbe.names(["search", "--db", "a.db", "--", "--db", "postgres://h/db"]))
        // The session's command is not the recorder's: its arguments name no catalog of psrec's.
        #expect(!NetworkToolProbe.names(["record", "-o", "s.psrec", "migrate", "--to", "postgres://h/db"]))
        #expect(NetworkToolProbe.names(["record", "--db", "postgres://h/db", "--app", "db-prod", "-o", "s.psrec", "sh"]))

        // A psrec with no psrec-net beside it or on the PATH.
        let ws = try Workspace()
        let lone = ws.path("psrec")
        try FileManager.default.copyItem(atPath: CLI.binary.path, toPath: lone)
        let result = try runProgram(lone, ["search", "--db", "postgres://psrec@127.0.0.1:1/none"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr == "psrec: A PostgreSQL catalog is opened by psrec-net, which is neither beside psrec nor on the PATH; install both (see the README).\n", "\(result.stderr)")
        // A SQLite catalog needs no psrec-net.
        let local = try runProgram(lone, ["search", "--db", ws.path("catalog.db")], environment: ["PATH": "/usr/bin:/bin"])
        #expect(local.status == 0 || local.stderr.contains("does not exist"), "\(local.stderr)")
    }

    @Test("what starts the test run's PostgreSQL server and its watchdog inherits no descriptor of the test process: a pipe it kept would never reach its end")
    func serverShellHoldsNoTestDescriptor() throws {
        let pipe = Pipe()
        var status = stat()
        #expect(fstat(pipe.fileHandleForWriting.fileDescriptor, &status) == 0)
        let listed = try PostgresServer.shell("for f in /proc/$$/fd/*; do readlink \"$f\"; done 2>/dev/null; true")
        #expect(listed.status == 0)
        #expect(listed.output.contains("psrec-pg-sh-"), "\(listed.output)")
        #expect(!listed.output.contains("pipe:[\(status.st_ino)]"), "\(listed.output)")
        try pipe.fileHandleForWriting.close()
    }

    @Test("a database that holds other tables is not taken for a catalog, and is left as it was; an empty one is a missing catalog until created")
    func foreignDatabase() throws {
        let server = try #require(PostgresServer.withDriver)
        let url = try server.makeDatabase()
        let name = String(url.split(separator: "/").last!.split(separator: "?").first!)
        try server.psql("CREATE TABLE payroll (who TEXT, amount INT); INSERT INTO payroll VALUES ('a', 1)", database: name)
        #expect { try Catalog(path: url, create: true) } throws: { ($0 as? CatalogError)?.message.contains("other tables") == true }
        #expect(try server.psql("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", database: name).trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        let empty = try server.makeDatabase()
        #expect { try Catalog(path: empty) } throws: { ($0 as? CatalogError)?.code == .catalogMissing }
        _ = try Catalog(path: empty, create: true)
        _ = try Catalog(path: empty)
    }

    @Test("two processes importing into one PostgreSQL catalog at once: every recording stored once and whole, no chunk of one in another")
    func concurrentImports() throws {
        let ws = try Workspace(.postgresql)
        _ = try Catalog(path: ws.dbPath, create: true)
        var files: [[String]] = [[], []]
        var all: [String: [UInt8]] = [:]
        for n in 0..<8 {
            let bytes = try recordingBytes(user: "u\(n)", seconds: 20, outputs: ["run \(n)\r\n"])
            try write(bytes, to: ws.path("r\(n).psrec"))
            files[n % 2].append(ws.path("r\(n).psrec"))
            all["u\(n)"] = bytes
        }
        let results = try files.map { list in
            try Process.run(CLI.binary, arguments: ["import", "--db", ws.dbPath] + list)
        }
        for process in results {
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
        }
        let catalog = try Catalog(path: ws.dbPath)
        let stored = try catalog.search(RecordingQuery(), as: admin)
        #expect(stored.count == 8)
        for recording in stored {
            #expect(try exported(catalog, recording) == all[recording.user ?? ""], "\(recording.user ?? "?")")
        }
    }

    @Test("catalog copy, SQLite to PostgreSQL and back: every recording byte for byte, holds, rights, applications, hosts, users and the audit log; run again it copies nothing; a conflicting ID is reported and left alone")
    func copyBetweenEngines() throws {
        let ws = try Workspace()
        let source = try Catalog(path: ws.dbPath, create: true)
        try source.addApplication("db-prod", sessionProtocol: .ssh, recordingEnabled: true, retentionDays: 90, by: admin)
        var files: [String: [UInt8]] = [:]
        for (n, user) in ["alice", "bob", "carol"].enumerated() {
            let bytes = try recordingBytes(user: user, seconds: 3 + n, outputs: ["rm -rf /tmp/\(user)\r\n"])
            try write(bytes, to: ws.path("\(user).psrec"))
            _ = try source.importRecording(path: ws.path("\(user).psrec"), actor: "test", deferText: user == "carol")
            files[user] = bytes
        }
        let stored = try source.search(RecordingQuery(), as: admin)
        let bob = try #require(stored.first { $0.user == "bob" })
        try source.setLegalHold(true, on: bob, reason: "case 17", by: admin)
        try source.grant(.audit, to: "sofia", on: .recording(bob), by: admin)
        try source.grant(.manage, to: "mike", on: .application("db-prod"), by: admin)
        _ = try source.addHost(named: "gw-1", actor: "test")
        try source.trustKey(SealPublicKey(id: "gw-1", raw: Array(repeating: 7, count: 32)), by: admin)
        try source.addWebUser("sofia", bcryptHash: "$2b$12$abcdefghijklmnopqrstuuJ3Ok1YlAm6J6n5q8wW0ZP9Zl4Gz1b7e", actor: "test")
        let sourceAudit = try source.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") } ?? 0

        let server = try #require(PostgresServer.withDriver)
        let postgres = try server.makeDatabase()
        let first = try CLI.run(["catalog", "copy", "--from", ws.dbPath, "--to", postgres])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.text.contains("3 recordings copied, 0 already there"), "\(first.text)")
        let sourceAuditAfter = try source.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") } ?? 0
        #expect(sourceAuditAfter == sourceAudit, "copy adds nothing to its source's audit log")
        let copy = try Catalog(path: postgres)
        for recording in try copy.search(RecordingQuery(), as: admin) {
            #expect(try exported(copy, recording) == files[recording.user ?? ""], "\(recording.user ?? "?")")
            #expect(recording.legalHold == (recording.user == "bob"))
            #expect(recording.textPending == (recording.user == "carol"))
        }
        #expect(try copy.search(RecordingQuery(), as: .user("sofia")).map(\.user) == ["bob"])
        #expect(try copy.search(RecordingQuery(), as: .user("mike")).count == 3)
        #expect(try copy.application("db-prod")?.retentionDays == 90)
        #expect(try copy.hosts().map(\.name) == ["gw-1"])
        #expect(try copy.trustedKeys().map(\.keyID) == ["gw-1"])
        #expect(try copy.webPasswordHash(of: "sofia") != nil)
        var text = RecordingQuery()
        text.text = "rm -rf /tmp/alice"
        #expect(try copy.search(text, as: admin).map(\.user) == ["alice"])
        let copiedAudit = try copy.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log WHERE action <> 'copy'") } ?? 0
        #expect(copiedAudit >= sourceAudit)

        let again = try CLI.run(["catalog", "copy", "--from", ws.dbPath, "--to", postgres])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.text.contains("0 recordings copied, 3 already there"), "\(again.text)")
        let auditAfter = try copy.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log WHERE action <> 'copy'") } ?? 0
        #expect(auditAfter < copiedAudit + 10, "the second run appended only the rows made since the first")

        let back = ws.path("back.db")
        let home = try CLI.run(["catalog", "copy", "--from", postgres, "--to", back, "--quiet"])
        #expect(home.status == 0 && home.text.isEmpty, "\(home.stderr)")
        let returned = try Catalog(path: back)
        #expect(Set(try returned.search(RecordingQuery(), as: admin).map { try exported(returned, $0) }) == Set(files.values))

        // Another recording under one of these IDs, in a third catalog: refused, reported, kept.
        let other = ws.path("other.db")
        let otherCatalog = try Catalog(path: other, create: true)
        let alice = try #require(stored.first { $0.user == "alice" })
        let impostor = try recordingBytes(user: "mallory", id: try #require(UUID(uuidString: alice.uuid)), seconds: 9)
        try write(impostor, to: ws.path("impostor.psrec"))
        _ = try otherCatalog.importRecording(path: ws.path("impostor.psrec"), actor: "test")
        let conflict = try CLI.run(["catalog", "copy", "--from", ws.dbPath, "--to", other])
        #expect(conflict.status == 3, "\(conflict.stderr)")
        #expect(conflict.stderr.contains(alice.uuid) && conflict.stderr.contains("other content"), "\(conflict.stderr)")
        #expect(try exported(otherCatalog, try otherCatalog.recording(alice.uuid)) == impostor)
    }

    @Test("the connection to PostgreSQL cut mid-import: one clear sentence, nothing half stored, and the import run again completes")
    func connectionLostMidImport() throws {
        let ws = try Workspace(.postgresql)
        let server = try #require(PostgresServer.withDriver)
        let name = String(ws.dbPath.split(separator: "/").last!.split(separator: "?").first!)
        _ = try Catalog(path: ws.dbPath, create: true)
        let lines = (0..<40_000).map { "line \($0) of a long session, with words to index: alpha beta gamma delta\r\n" }
        let bytes = try recordingBytes(seconds: 600, outputs: lines)
        try write(bytes, to: ws.path("long.psrec"))
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["import", "--db", ws.dbPath, ws.path("long.psrec")]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Cut every connection of the import's database until the import has ended.
        var cuts = 0
        // An import that never ends is a failure, not a stalled test run.
        let deadline = Date().addingTimeInterval(180)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                Issue.record("the import did not end within 180 s of its connections being cut")
                return
            }
            usleep(150_000)
            let killed = try server.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(name)' AND pid <> pg_backend_pid()")
            cuts += Int(killed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
        process.waitUntilExit()
        print("connection cut mid-import: \(cuts) connections ended, import exit status \(process.terminationStatus)")
        let catalog = try Catalog(path: ws.dbPath)
        let stored = try catalog.search(RecordingQuery(), as: admin)
        if process.terminationStatus != 0 {
            #expect(cuts > 0)
            #expect(process.terminationStatus == 3)
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(message.contains("nothing of this change was stored") || message.contains("connection"), "\(message)")
            #expect(stored.isEmpty, "a failed import leaves nothing of its recording")
            let chunks = try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") }
            #expect(chunks == 0)
        } else {
            // The import won the race: it committed before any cut. Then it is whole.
            #expect(stored.count == 1)
        }
        let again = try CLI.run(["import", "--db", ws.dbPath, ws.path("long.psrec")])
        #expect(again.status == 0, "\(again.stderr)")
        let whole = try #require(try catalog.search(RecordingQuery(), as: admin).first)
        #expect(try exported(catalog, whole) == bytes)
    }
}

/// `NetworkTool.namePostgresCatalog`, which decides which commands psrec hands to psrec-net.
enum NetworkToolProbe {
    static func names(_ arguments: [String]) -> Bool { NetworkTool.namePostgresCatalog(arguments) }
}

/// Runs `program` with only `environment`, and returns its status and standard error.
func runProgram(_ program: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.environment = environment
    let err = Pipe()
    process.standardError = err
    process.standardOutput = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
