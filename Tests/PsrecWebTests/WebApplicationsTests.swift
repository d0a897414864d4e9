import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import PsrecWeb
import Testing

@Suite("Web: the administrators' applications page")
struct WebApplicationsTests {
    static func server(proxy: Bool = false) async throws -> WebTestServer {
        let server = try await WebTestServer { configuration in
            if proxy { configuration.trustedUserHeader = "X-Remote-User"; configuration.trustedProxy = "127.0.0.1" }
        }
        try server.addUser("alice")
        try server.addUser("bob")
        try server.catalog.setWebAdministrator("alice", true, actor: "admin:test")
        try server.catalog.addApplication("db-prod", sessionProtocol: .ssh, recordingEnabled: true, retentionDays: 90, by: .administrator(login: "test"))
        try server.catalog.addApplication("<script>alert(1)</script>", sessionProtocol: .rdp, recordingEnabled: false, retentionDays: nil, by: .administrator(login: "test"))
        return server
    }

    static func change(_ client: HTTPTestClient, _ fields: [String: String], token: String? = nil) async throws -> HTTPAnswer {
        var form = fields
        if let token { form["csrf"] = token } else if form["csrf"] == nil {
            let page = try await client.get("/")
            form["csrf"] = page.csrf ?? ""
        }
        return try await client.post("/applications", form: form)
    }

    @Test("an administrator turns recording off and on, sets and clears the retention, grants and revokes a right; each change is audited as admin:NAME@web and takes effect")
    func changes() async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let recording = try server.importRecording(user: "carol", application: "db-prod")
        let alice = try await server.loggedIn("alice"), bob = try await server.loggedIn("bob")
        let page = try await alice.get("/applications")
        #expect(page.status == 200 && page.body.contains("db-prod") && page.body.contains("Turn off"))
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>alert"))
        #expect(try await alice.get("/").body.contains("href=\"/applications\""), "the header links to the page for an administrator")
        #expect(try await bob.get("/").body.contains("href=\"/applications\"") == false)

        #expect(try await Self.change(alice, ["application": "db-prod", "action": "recording", "value": "off"]).status == 303)
        #expect(try server.catalog.application("db-prod")?.recordingEnabled == false)
        #expect(try await Self.change(alice, ["application": "db-prod", "action": "recording", "value": "on"]).status == 303)
        #expect(try server.catalog.application("db-prod")?.recordingEnabled == true)
        #expect(try await Self.change(alice, ["application": "db-prod", "action": "retention", "days": "30"]).status == 303)
        #expect(try server.catalog.application("db-prod")?.retentionDays == 30)
        #expect(try await Self.change(alice, ["application": "db-prod", "action": "retention", "days": ""]).status == 303)
        #expect(try server.catalog.application("db-prod")?.retentionDays == nil)

        #expect(try await bob.get("/recordings/\(recording)").status == 403)
        #expect(try await Self.change(alice, ["application": "db-prod", "action": "grant", "user": "bob", "right": "audit"]).status == 303)
        #expect(try await bob.get("/recordings/\(recording)").status == 200, "the granted right lets bob see the application's recording")
        #expect(try await alice.get("/applications").body.contains("audit: bob"))
        #expect(try await Self.change(alice, ["application": "db-prod", "action": "revoke", "user": "bob", "right": "audit"]).status == 303)
        #expect(try await bob.get("/recordings/\(recording)").status == 403)
        let again = try await Self.change(alice, ["application": "db-prod", "action": "revoke", "user": "bob", "right": "audit"])
        #expect(again.status == 400 && again.body.contains("does not have the audit right"))

        let changes = try server.auditRows(action: "app") + server.auditRows(action: "grant") + server.auditRows(action: "revoke")
        #expect(changes.filter { $0.actor == "admin:alice@web" }.count == 6, "\(changes)")
    }

    @Test("a user who is not an administrator gets 403 and an audit row, for the page and for a change with a valid token; nothing changes")
    func refusals() async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let bob = try await server.loggedIn("bob")
        let page = try await bob.get("/applications")
        #expect(page.status == 403 && page.body.contains("Only a web administrator"))
        let token = try #require(try await bob.get("/").csrf)
        let change = try await Self.change(bob, ["application": "db-prod", "action": "recording", "value": "off"], token: token)
        #expect(change.status == 403)
        let grant = try await Self.change(bob, ["application": "db-prod", "action": "grant", "user": "bob", "right": "manage"], token: token)
        #expect(grant.status == 403)
        #expect(try server.catalog.application("db-prod")?.recordingEnabled == true && server.catalog.application("db-prod")?.managers == [])
        let refused = try server.auditRows(action: "refused").filter { $0.actor == "bob" }
        #expect(refused.count == 3 && refused.allSatisfy { $0.detail?.contains("not a web administrator; from 127.0.0.1") == true }, "\(refused)")
        #expect(try await server.client().get("/applications").status == 303, "not logged in: to the login page")
        // An administrator disabled is one no more; taking the right away works at once.
        let alice = try await server.loggedIn("alice")
        try server.catalog.setWebAdministrator("alice", false, actor: "admin:test")
        #expect(try await alice.get("/applications").status == 403)
    }

    @Test("bad changes get 400 (404 for an unknown application, 403 without the form token) and one sentence; nothing changes", arguments: [
        (["application": "db-prod", "action": "recording", "value": "maybe"], 400, "on or off"),
        (["application": "db-prod", "action": "retention", "days": "0"], 400, "from 1 to 36500"),
        (["application": "db-prod", "action": "retention", "days": "-3"], 400, "from 1 to 36500"),
        (["application": "db-prod", "action": "retention", "days": "99999999999999999999"], 400, "from 1 to 36500"),
        (["application": "db-prod", "action": "explode"], 400, "recording, retention, grant or revoke"),
        (["application": "db-prod", "action": "grant", "user": "bob", "right": "root"], 400, "manage or audit"),
        (["application": "db-prod", "action": "grant", "user": "admin:me", "right": "manage"], 400, "reserved"),
        (["application": "db-prod", "action": "grant", "right": "manage"], 400, "the field user"),
        (["action": "recording", "value": "off"], 400, "which application"),
        (["application": "db-prod", "action": "recording", "value": "off", "sql": "1"], 400, "no field &#39;sql&#39;"),
        (["application": "nope'; DROP TABLE applications;--", "action": "recording", "value": "off"], 404, "not in the catalog"),
        (["application": "nope", "action": "grant", "user": "bob", "right": "audit"], 404, "not in the catalog"),
        (["application": "db-prod", "action": "recording", "value": "off", "csrf": "0000"], 403, "token"),
    ])
    func badChanges(fields: [String: String], status: Int, sentence: String) async throws {
        let server = try await Self.server()
        defer { Task { await server.stop() } }
        let alice = try await server.loggedIn("alice")
        let answer = try await Self.change(alice, fields)
        #expect(answer.status == status && answer.body.contains(sentence), "\(answer.status): \(answer.body)")
        let app = try #require(try server.catalog.application("db-prod"))
        #expect(app.recordingEnabled && app.retentionDays == 90 && app.managers.isEmpty && app.auditors.isEmpty)
        #expect(try server.count("SELECT count(*) FROM applications") == 2)
    }

    @Test("behind the trusted proxy an administrator's forms carry a token made for them; another user's token or none is refused")
    func proxyAdministrator() async throws {
        let server = try await Self.server(proxy: true)
        defer { Task { await server.stop() } }
        try server.catalog.setWebAdministrator("dave", true, actor: "admin:test")
        try server.catalog.setWebAdministrator("erin", true, actor: "admin:test")
        let client = server.client()
        let page = try await client.get("/applications", headers: [("X-Remote-User", "dave")])
        let token = try #require(page.csrf)
        let other = try #require(try await client.get("/applications", headers: [("X-Remote-User", "erin")]).csrf)
        #expect(token != other && token.count == 64)
        let form = ["application": "db-prod", "action": "recording", "value": "off"]
        #expect(try await client.post("/applications", form: form.merging(["csrf": other]) { $1 }, headers: [("X-Remote-User", "dave")]).status == 403)
        #expect(try await client.post("/applications", form: form, headers: [("X-Remote-User", "dave")]).status == 403)
        #expect(try server.catalog.application("db-prod")?.recordingEnabled == true)
        #expect(try await client.post("/applications", form: form.merging(["csrf": token]) { $1 }, headers: [("X-Remote-User", "dave")]).status == 303)
        #expect(try server.catalog.application("db-prod")?.recordingEnabled == false)
    }
}
