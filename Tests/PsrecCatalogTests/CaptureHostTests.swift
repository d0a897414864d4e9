import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

@Suite("capture hosts: tokens kept as digests, revocation, names, and psrec host")
struct CaptureHostTests {
    @Test("a new token authenticates its host; the catalog files never hold the token; revoked, it authenticates no more")
    func tokens() throws {
        let ws = try Workspace()
        let catalog = try ws.catalog()
        let token = try catalog.addHost(named: "cap-1.example", actor: "admin:test")
        #expect(token.hasPrefix("psrec_") && token.count == 6 + 64)
        #expect(token.dropFirst(6).allSatisfy { "0123456789abcdef".contains($0) })
        let second = try catalog.addHost(named: "cap-2", actor: "admin:test")
        #expect(second != token)
        #expect(try catalog.authenticateHost(token: token) == "cap-1.example")
        #expect(try catalog.authenticateHost(token: second) == "cap-2")
        #expect(try catalog.authenticateHost(token: String(token.dropLast()) + (token.last == "0" ? "1" : "0")) == nil)
        #expect(try catalog.authenticateHost(token: "") == nil)

        // The database and its WAL hold the digest, not the token (nor its hex part).
        let files = [ws.dbPath, ws.dbPath + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        let stored = try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for data in stored {
            #expect(data.range(of: Data(token.dropFirst(6).utf8)) == nil)
        }
        let digest = try catalog.read { db in try String.fetchOne(db, sql: "SELECT token_sha256 FROM capture_hosts WHERE name = 'cap-1.example'") }
        let digestBytes = Data(try #require(digest).utf8)
        #expect(digestBytes.count == 64)
        #expect(stored.contains { $0.range(of: digestBytes) != nil })

        try catalog.revokeHost(named: "cap-1.example", actor: "admin:test")
        #expect(try catalog.authenticateHost(token: token) == nil)
        #expect(try catalog.authenticateHost(token: second) == "cap-2")
        let hosts = try catalog.hosts()
        #expect(hosts.map(\.name) == ["cap-1.example", "cap-2"])
        let revoked = try #require(hosts.first?.revokedMicros)
        #expect(hosts.last?.revokedMicros == nil && revoked >= hosts[0].createdMicros)
        // Revoking again keeps the first time.
        try catalog.revokeHost(named: "cap-1.example", actor: "admin:test")
        #expect(try catalog.hosts().first?.revokedMicros == revoked)

        let audit = try catalog.read { db in try String.fetchAll(db, sql: "SELECT action || ': ' || detail FROM audit_log WHERE action LIKE 'host %' ORDER BY id") }
        #expect(audit == ["host add: capture host cap-1.example added", "host add: capture host cap-2 added", "host revoke: capture host cap-1.example revoked"])
    }

    @Test("names: taken, unknown and malformed ones are refused with their codes", arguments: Engine.allCases)
    func names(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        _ = try catalog.addHost(named: "cap_1", actor: "admin:test")
        refusal(.hostExists) { _ = try catalog.addHost(named: "cap_1", actor: "admin:test") }
        try catalog.revokeHost(named: "cap_1", actor: "admin:test")
        refusal(.hostExists) { _ = try catalog.addHost(named: "cap_1", actor: "admin:test") }
        refusal(.hostNotFound) { try catalog.revokeHost(named: "cap_2", actor: "admin:test") }
        for bad in ["", "a:b", "a b", "a\u{1b}[2Jb", "-cap", ".cap", "caf\u{e9}", "a/b", String(repeating: "x", count: 254)] {
            let message = refusal(.invalidHostName) { _ = try catalog.addHost(named: bad, actor: "admin:test") }
            #expect(!message.contains("\u{1b}") && message.hasSuffix("."), "\(message)")
        }
        _ = try catalog.addHost(named: String(repeating: "x", count: 253), actor: "admin:test")
        #expect(try catalog.hosts().count == 2)
    }

    @Test("psrec host add prints the token once; list shows it and its revocation; exit statuses")
    func command() throws {
        let ws = try Workspace()
        let added = try CLI.run(["host", "add", "--db", ws.dbPath, "gw-1"])
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.text.trimmingCharacters(in: .newlines)
        #expect(added.text == token + "\n" && token.hasPrefix("psrec_") && token.count == 70)
        #expect(added.stderr.contains("shown only this once"), "\(added.stderr)")
        #expect(try Catalog(path: ws.dbPath).authenticateHost(token: token) == "gw-1")

        let listed = try CLI.run(["host", "list", "--db", ws.dbPath])
        #expect(listed.status == 0)
        let lines = listed.text.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("HOST") && lines[1].hasPrefix("gw-1") && lines[1].hasSuffix(" -"), "\(listed.text)")
        #expect(!listed.text.contains(token))

        #expect(try CLI.run(["host", "add", "--db", ws.dbPath, "gw-1"]).status == 64)
        let bad = try CLI.run(["host", "add", "--db", ws.dbPath, "gw\u{1b}]0;x\u{7}"])
        #expect(bad.status == 64 && !bad.stderr.contains("\u{1b}"), "\(bad.stderr)")

        #expect(try CLI.run(["host", "revoke", "--db", ws.dbPath, "gw-1"]).status == 0)
        #expect(try Catalog(path: ws.dbPath).authenticateHost(token: token) == nil)
        let after = try CLI.run(["host", "list", "--db", ws.dbPath]).text.split(separator: "\n")
        #expect(after.count == 2 && !after[1].hasSuffix(" -") && after[1].hasSuffix("Z"), "\(after)")
        let unknown = try CLI.run(["host", "revoke", "--db", ws.dbPath, "gw-9"])
        #expect(unknown.status == 3 && unknown.stderr.contains("psrec host list"), "\(unknown.stderr)")
        #expect(try CLI.run(["host", "list", "--db", ws.path("missing.db")]).status == 3)
    }

    @Test("a certificate host has no token; it and token hosts are found by the name a certificate gives, exactly, until revoked", arguments: Engine.allCases)
    func certificateHosts(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        try catalog.addCertificateHost(named: "gw-cert", actor: "admin:test")
        let token = try catalog.addHost(named: "gw-tok", actor: "admin:test")
        #expect(try catalog.hosts().map(\.authentication) == [.certificate, .token])
        #expect(try catalog.read { db in try SQLRow.fetchOne(db, sql: "SELECT token_sha256 FROM capture_hosts WHERE name = 'gw-cert'")?["token_sha256"] as String? } == nil)
        #expect(try catalog.authenticateHost(certificateName: "gw-cert") == "gw-cert")
        #expect(try catalog.authenticateHost(certificateName: "gw-tok") == "gw-tok")
        #expect(try catalog.authenticateHost(certificateName: "GW-CERT") == nil)
        #expect(try catalog.authenticateHost(certificateName: "gw-none") == nil)
        #expect(try catalog.authenticateHost(token: "") == nil)
        #expect(try catalog.authenticateHost(token: token) == "gw-tok")
        refusal(.hostExists) { try catalog.addCertificateHost(named: "gw-tok", actor: "admin:test") }
        refusal(.hostExists) { _ = try catalog.addHost(named: "gw-cert", actor: "admin:test") }
        refusal(.invalidHostName) { try catalog.addCertificateHost(named: "gw cert", actor: "admin:test") }
        try catalog.revokeHost(named: "gw-cert", actor: "admin:test")
        try catalog.revokeHost(named: "gw-tok", actor: "admin:test")
        #expect(try catalog.authenticateHost(certificateName: "gw-cert") == nil)
        #expect(try catalog.authenticateHost(certificateName: "gw-tok") == nil)
        let audit = try catalog.read { db in try String.fetchAll(db, sql: "SELECT detail FROM audit_log WHERE action = 'host add' ORDER BY id") }
        #expect(audit == ["capture host gw-cert added (client certificate)", "capture host gw-tok added"])
    }

    @Test("a catalog made before certificate hosts (migration v3) keeps its hosts and tokens when opened, and takes certificate hosts")
    func upgradeFromV3() throws {
        let ws = try Workspace()
        let token: String
        do {
            let catalog = try ws.catalog()
            token = try catalog.addHost(named: "gw-old", actor: "admin:test")
            try catalog.revokeHost(named: "gw-old", actor: "admin:test")
            _ = try catalog.addHost(named: "gw-live", actor: "admin:test")
        }
        // Back to the v3 table, as a catalog of the previous release has it.
        let queue = try DatabaseQueue(path: ws.dbPath)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE capture_hosts_v3 (name TEXT PRIMARY KEY NOT NULL, token_sha256 TEXT NOT NULL UNIQUE, created_us INTEGER NOT NULL, revoked_us INTEGER);
                INSERT INTO capture_hosts_v3 SELECT name, token_sha256, created_us, revoked_us FROM capture_hosts;
                DROP TABLE capture_hosts;
                ALTER TABLE capture_hosts_v3 RENAME TO capture_hosts;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v4:%';
                """)
        }
        try queue.close()
        let catalog = try Catalog(path: ws.dbPath)
        let hosts = try catalog.hosts()
        #expect(hosts.map(\.name) == ["gw-live", "gw-old"] && hosts.allSatisfy { $0.authentication == .token })
        #expect(hosts[1].revokedMicros != nil && hosts[0].revokedMicros == nil)
        #expect(try catalog.authenticateHost(token: token) == nil)
        try catalog.addCertificateHost(named: "gw-new", actor: "admin:test")
        #expect(try catalog.authenticateHost(certificateName: "gw-new") == "gw-new")
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations WHERE identifier LIKE 'v4:%'") } == 1)
    }

    @Test("psrec host add --certificate prints no token; host list says how each host authenticates", arguments: Engine.allCases)
    func certificateCommand(engine: Engine) throws {
        let ws = try Workspace(engine)
        let added = try CLI.run(["host", "add", "--db", ws.dbPath, "--certificate", "gw-cert"])
        #expect(added.status == 0 && added.text.isEmpty, "\(added.text)\(added.stderr)")
        #expect(added.stderr.contains("client certificate") && added.stderr.contains("--client-ca"), "\(added.stderr)")
        _ = try CLI.run(["host", "add", "--db", ws.dbPath, "gw-tok"])
        let lines = try CLI.run(["host", "list", "--db", ws.dbPath]).text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.first?.prefix(2) == ["HOST", "AUTH"], "\(lines)")
        #expect(lines.dropFirst().map { $0.prefix(2) } == [["gw-cert", "certificate"], ["gw-tok", "token"]], "\(lines)")
        #expect(try CLI.run(["host", "add", "--db", ws.dbPath, "--certificate", "gw-tok"]).status == 64)
    }

    @Test("psrec search --status live and interrupted, shown in the STATUS column", arguments: Engine.allCases)
    func searchStatus(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try ws.catalog()
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "server")
        let live = try CLI.run(["search", "--db", ws.dbPath, "--status", "live", "--json"])
        #expect(live.status == 0 && live.text.contains("\"status\":\"live\""), "\(live.text)\(live.stderr)")
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--status", "interrupted"]).text.isEmpty)
        _ = try catalog.markInterrupted(seenBeforeMicros: Int64.max)
        let table = try CLI.run(["search", "--db", ws.dbPath, "--status", "interrupted"])
        #expect(table.text.contains("interrupted") && table.text.contains(String(file.id.uuidString.lowercased().prefix(8))), "\(table.text)")
        let corrupt = try CLI.run(["search", "--db", ws.dbPath, "--status", "corrupt"])
        #expect(corrupt.status == 64 && corrupt.stderr.contains("live"), "\(corrupt.stderr)")
    }
}

@Suite("applications: the ingest policy")
struct IngestPolicyTests {
    @Test("best-effort unless set; set to strict and back, in the audit log; an unknown application is refused", arguments: Engine.allCases)
    func policy(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        try catalog.addApplication("db-prod", sessionProtocol: .ssh, recordingEnabled: true, retentionDays: nil, by: admin)
        #expect(try catalog.application("db-prod")?.ingestPolicy == .bestEffort)
        try catalog.setIngestPolicy(.strict, application: "db-prod", by: admin)
        #expect(try catalog.application("db-prod")?.ingestPolicy == .strict)
        #expect(try catalog.read { db in try String.fetchOne(db, sql: "SELECT ingest_policy FROM applications") } == "strict")
        try catalog.setIngestPolicy(.bestEffort, application: "db-prod", by: admin)
        #expect(try catalog.read { db in try String.fetchOne(db, sql: "SELECT ingest_policy FROM applications") } == "best-effort")
        refusal(.applicationNotFound) { try catalog.setIngestPolicy(.strict, application: "nope", by: admin) }
        let audit = try catalog.read { db in try String.fetchAll(db, sql: "SELECT detail FROM audit_log WHERE detail LIKE 'set-ingest-policy%' ORDER BY id") }
        #expect(audit == ["set-ingest-policy db-prod strict", "set-ingest-policy db-prod best-effort"])
    }
}
