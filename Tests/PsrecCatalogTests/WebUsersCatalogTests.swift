import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Web users and sessions in the catalog (migration v5)")
struct WebUsersCatalogTests {
    @Test("a catalog made before web logins (v4) keeps its users and rights when opened, and takes web users")
    func migrationFromV4() throws {
        let ws = try Workspace()
        do {
            let catalog = try ws.catalog()
            try catalog.addApplication("db-prod", sessionProtocol: .ssh, recordingEnabled: true, retentionDays: nil, by: admin)
            try catalog.grant(.audit, to: "alice", on: .application("db-prod"), by: admin)
        }
        // Back to the v4 schema, as a catalog of the previous release has it.
        let queue = try DatabaseQueue(path: ws.dbPath)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TABLE web_sessions;
                ALTER TABLE users DROP COLUMN password_bcrypt;
                ALTER TABLE users DROP COLUMN disabled_us;
                DELETE FROM grdb_migrations WHERE identifier LIKE 'v5:%';
                """)
        }
        try queue.close()
        let catalog = try Catalog(path: ws.dbPath)
        #expect(try catalog.webUsers().isEmpty)
        try catalog.addWebUser("alice", bcryptHash: "$2b$12$abcdefghijklmnopqrstuv", actor: "admin:test")
        #expect(try catalog.webUsers().map(\.name) == ["alice"])
        #expect(try catalog.webPasswordHash(of: "alice") == "$2b$12$abcdefghijklmnopqrstuv")
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM app_rights WHERE user = 'alice'") } == 1)
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") } == 9)
    }

    @Test("a session is known by the SHA-256 of its token; closing it, a new password or disabling the user ends it", arguments: Engine.allCases)
    func sessions(engine: Engine) throws {
        let catalog = try Workspace(engine).catalog()
        try catalog.addWebUser("bob", bcryptHash: "$2b$12$x", actor: "t")
        #expect(throws: CatalogError(.userExists, "")) { try catalog.addWebUser("bob", bcryptHash: "$2b$12$y", actor: "t") }
        #expect(throws: CatalogError(.userNotFound, "")) { try catalog.setWebPassword("nobody", bcryptHash: "$2b$12$y", actor: "t") }
        #expect(throws: CatalogError(.invalidUserName, "")) { try catalog.addWebUser("admin:bob", bcryptHash: "$2b$12$y", actor: "t") }
        func open(_ token: String) throws -> Bool { try catalog.webSession(token: token, limits: .standard, address: "::1") != nil }
        let (first, session) = try catalog.openWebSession(for: "bob", address: "127.0.0.1")
        #expect(first.count == 64 && session.csrfToken.count == 64 && session.csrfToken != first)
        #expect(try open(first) && !open(String(repeating: "0", count: 64)))
        #expect(try catalog.closeWebSession(token: first, address: nil) && !open(first))
        let (second, _) = try catalog.openWebSession(for: "bob", address: nil)
        try catalog.setWebPassword("bob", bcryptHash: "$2b$12$z", actor: "t")
        #expect(try !open(second))
        let (third, _) = try catalog.openWebSession(for: "bob", address: nil)
        try catalog.setWebUserDisabled("bob", true, actor: "t")
        #expect(try !open(third) && catalog.webPasswordHash(of: "bob") == nil && catalog.isWebUserDisabled("bob"))
        let stored = try catalog.read { db in try String.fetchAll(db, sql: "SELECT detail FROM audit_log") }.joined()
        #expect(!stored.contains("$2b$") && !stored.contains(first))
    }

    @Test("search sorts on any listed column in either direction and pages with an offset, without overlap", arguments: Engine.allCases)
    func sortAndOffset(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        for (n, user) in ["carol", "alice", "bob", "alice"].enumerated() {
            let path = ws.path("\(n).psrec")
            try write(try recordingBytes(user: user, start: 1_700_000_000_000_000 + Int64(n) * 1_000_000, seconds: n + 1), to: path)
            _ = try catalog.importRecording(path: path, actor: "t")
        }
        var query = RecordingQuery()
        query.order = RecordingOrder(column: .user, ascending: true)
        #expect(try catalog.search(query, as: admin).map(\.user) == ["alice", "alice", "bob", "carol"])
        query.order = RecordingOrder(column: .duration, ascending: false)
        let byDuration = try catalog.search(query, as: admin)
        #expect(byDuration.map(\.durationMicros) == byDuration.map(\.durationMicros).sorted(by: >))
        query.limit = 2
        let first = try catalog.search(query, as: admin)
        query.offset = 2
        let second = try catalog.search(query, as: admin)
        #expect(first.count == 2 && second.count == 2 && Set(first.map(\.uuid)).isDisjoint(with: second.map(\.uuid)))
        #expect(first.map(\.uuid) + second.map(\.uuid) == byDuration.map(\.uuid))
    }
}
