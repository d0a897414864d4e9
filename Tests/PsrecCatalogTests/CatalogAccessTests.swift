import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Catalog access rights")
struct CatalogAccessTests {
    /// alice owns a db-prod recording, bob a crm one; erin is assigned to audit bob's.
    static func setUp(_ ws: Workspace) throws -> (Catalog, CatalogRecording, CatalogRecording) {
        try write(try recordingBytes(user: "alice", application: "db-prod"), to: ws.path("a.psrec"))
        try write(try recordingBytes(user: "bob", application: "crm", auditors: ["erin"]), to: ws.path("b.psrec"))
        let c = try ws.catalog()
        let a = try c.recording(try #require(try c.importRecording(path: ws.path("a.psrec"), actor: "t").recordingID))
        let b = try c.recording(try #require(try c.importRecording(path: ws.path("b.psrec"), actor: "t").recordingID))
        return (c, a, b)
    }

    func visible(_ c: Catalog, _ user: String) throws -> [String] {
        try c.search(RecordingQuery(), as: .user(user)).compactMap(\.user).sorted()
    }

    @Test("owners see their own, auditors what they are assigned, managers their applications", arguments: Engine.allCases)
    func visibility(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, a, b) = try Self.setUp(ws)
        #expect(try visible(c, "alice") == ["alice"])
        #expect(try visible(c, "bob") == ["bob"])
        #expect(try visible(c, "erin") == ["bob"])
        #expect(try visible(c, "mallory") == [])
        try c.grant(.manage, to: "mike", on: .application("db-prod"), by: admin)
        try c.grant(.audit, to: "olga", on: .application("crm"), by: admin)
        try c.grant(.audit, to: "pete", on: .recording(a), by: admin)
        #expect(try visible(c, "mike") == ["alice"])
        #expect(try visible(c, "olga") == ["bob"])
        #expect(try visible(c, "pete") == ["alice"])
        try c.authorize(.view, a, as: .user("mike"))
        try c.authorize(.export, b, as: .user("erin"))
        #expect(try c.revoke(.audit, from: "pete", on: .recording(a), by: admin))
        #expect(try visible(c, "pete") == [])
    }

    @Test("a user who is neither owner, auditor nor manager is refused, and the refusal is recorded", arguments: Engine.allCases)
    func refusal(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, a, _) = try Self.setUp(ws)
        let error = #expect(throws: CatalogError.self) { try c.authorize(.view, a, as: .user("mallory")) }
        #expect(error?.code == .refused)
        #expect(error?.message.contains("mallory may not see recording \(a.uuid)") == true)
        #expect(throws: CatalogError(.refused, "")) { try c.authorize(.export, a, as: .user("bob")) }
        // Only managers may delete or hold, not even the owner.
        #expect(throws: CatalogError(.refused, "")) { try c.authorize(.delete, a, as: .user("alice")) }
        try c.grant(.manage, to: "mike", on: .application("db-prod"), by: admin)
        try c.authorize(.hold, a, as: .user("mike"))
        let refusals = try c.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT actor, recording_uuid FROM audit_log WHERE action = 'refused' ORDER BY id")
        }
        #expect(refusals.map { $0["actor"] as String } == ["mallory", "bob", "alice"])
        #expect(refusals.allSatisfy { $0["recording_uuid"] == a.uuid })
    }

    @Test("the audit log records views and exports and cannot be edited", arguments: Engine.allCases)
    func auditLog(engine: Engine) throws {
        let ws = try Workspace(engine)
        let (c, a, _) = try Self.setUp(ws)
        try c.authorize(.view, a, as: .user("alice"))
        try c.authorize(.export, a, as: admin)
        let actions = try c.read { db in try String.fetchAll(db, sql: "SELECT action FROM audit_log WHERE recording_uuid = ? ORDER BY id", arguments: [a.uuid]) }
        #expect(actions == ["import", "view", "export"])
        #expect(throws: (any Error).self) { try c.write { db in try db.execute(sql: "DELETE FROM audit_log") } }
        #expect(throws: (any Error).self) { try c.write { db in try db.execute(sql: "UPDATE audit_log SET actor = 'x'") } }
    }

    @Test("applications: enable, disable, retention", arguments: Engine.allCases)
    func applications(engine: Engine) throws {
        let ws = try Workspace(engine)
        let c = try ws.catalog()
        try c.addApplication("vault", sessionProtocol: "rdp", recordingEnabled: false, retentionDays: 30, by: admin)
        #expect(try c.application("vault")?.recordingEnabled == false)
        try c.setRecording(true, application: "vault", by: admin)
        try c.setRetention(days: nil, application: "vault", by: admin)
        let app = try #require(try c.application("vault"))
        #expect(app.recordingEnabled)
        #expect(app.retentionDays == nil)
        #expect(throws: CatalogError(.applicationNotFound, "")) { try c.setRecording(true, application: "nope", by: admin) }
        #expect(throws: CatalogError(.applicationExists, "")) { try c.addApplication("vault", sessionProtocol: "ssh", recordingEnabled: true, retentionDays: nil, by: admin) }
    }
}
