import Foundation
import PsrecCatalog
import PsrecFormat
@testable import PsrecWeb
import Testing

@Suite("The search page")
struct WebSearchTests {
    /// Rows of the results table: the recording IDs (8 digits) in order.
    static func ids(_ page: HTTPAnswer) -> [String] {
        page.body.components(separatedBy: "<td class=\"id\"><a href=\"/recordings/").dropFirst().map { String($0.prefix(8)) }
    }

    @Test("each filter returns the right recordings")
    func filters() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let day: Int64 = 86_400_000_000
        let t0: Int64 = 1_763_942_400_000_000 // 2025-11-24T00:00Z
        let a = try server.importRecording(user: "alice", application: "db-prod", host: "web1", start: t0, seconds: 3, outputs: ["SELECT secret FROM payroll"])
        let b = try server.importRecording(user: "bob", application: "crm", host: "web2", start: t0 + day, seconds: 120, indicators: [.command("rm -rf /tmp/x")])
        let c = try server.importRecording(user: "carol", application: "desk", host: "ws9", sessionProtocol: .rdp, start: t0 + 2 * day, seconds: 10, indicators: [.marker("look here")])
        // The administrator's rights: alice's web user manages every application here.
        try server.addUser("alice")
        for app in ["db-prod", "crm", "desk"] {
            try? server.catalog.addApplication(app, sessionProtocol: app == "desk" ? .rdp : .ssh, recordingEnabled: true, retentionDays: nil, by: .administrator(login: "t"))
            try server.catalog.grant(.manage, to: "alice", on: .application(app), by: .administrator(login: "t"))
        }
        let client = try await server.loggedIn("alice")
        func found(_ query: String) async throws -> Set<String> {
            let page = try await client.get("/?" + query)
            #expect(page.status == 200, "\(query): \(page.body)")
            return Set(Self.ids(page))
        }
        let (ia, ib, ic) = (String(a.prefix(8)), String(b.prefix(8)), String(c.prefix(8)))
        #expect(try await found("") == [ia, ib, ic])
        #expect(try await found("user=bob") == [ib])
        #expect(try await found("app=desk") == [ic])
        #expect(try await found("host=web1") == [ia])
        #expect(try await found("protocol=rdp") == [ic])
        #expect(try await found("from=2025-11-25") == [ib, ic])
        #expect(try await found("to=2025-11-25") == [ia, ib])
        #expect(try await found("from=2025-11-25T00%3A00&to=2025-11-25") == [ib])
        #expect(try await found("status=complete") == [ia, ib, ic])
        #expect(try await found("status=live").isEmpty)
        #expect(try await found("min-duration=1%3A00") == [ib])
        #expect(try await found("min-duration=9") == [ib, ic])
        #expect(try await found("indicator=command") == [ib])
        #expect(try await found("indicator=marker") == [ic])
        #expect(try await found("text=secret+from") == [ia])
        let hit = try await client.get("/?text=payroll")
        #expect(hit.body.contains("/recordings/\(a)?t=") && hit.body.contains("<mark>payroll</mark>"))
        // Sorting: by user ascending, then descending; start descending is the default.
        #expect(Self.ids(try await client.get("/?sort=user&dir=asc")) == [ia, ib, ic])
        #expect(Self.ids(try await client.get("/?sort=user&dir=desc")) == [ic, ib, ia])
        #expect(Self.ids(try await client.get("/")) == [ic, ib, ia])
        #expect(Self.ids(try await client.get("/?sort=duration")) == [ib, ic, ia])
    }

    @Test("firstTextHits gives each recording's first hit, as textHits does one by one, in one match for the page; none for a recording without the text")
    func firstHits() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        var ids: [String] = []
        for i in 0..<6 {
            let outputs = i == 3 ? ["nothing to see\r\n"] : ["line \(i) before\r\n", "the payroll backup \(i) ran\r\n", "payroll backup again \(i)\r\n"]
            ids.append(try server.importRecording(user: "alice", outputs: outputs))
        }
        let recordings = try ids.map { try server.catalog.recording($0) }
        let hits = try server.catalog.firstTextHits(in: recordings, text: "Payroll, backup!")
        #expect(hits.count == 5 && hits[ids[3]] == nil)
        for recording in recordings where recording.uuid != ids[3] {
            let one = try server.catalog.textHits(in: recording, text: "Payroll, backup!", limit: 1)
            #expect(hits[recording.uuid] == one.first && one.first != nil)
        }
        #expect(try server.catalog.firstTextHits(in: [], text: "payroll").isEmpty)
    }

    @Test("a user sees only what the rights let them see; a recording they may not see is 403 with an audit row naming the address")
    func rights() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let own = try server.importRecording(user: "dave", application: "db-prod")
        let other = try server.importRecording(user: "erin", application: "crm")
        let audited = try server.importRecording(user: "frank", application: "hr")
        let assigned = try server.importRecording(user: "gus", application: "ops")
        try server.catalog.grant(.audit, to: "dave", on: .recording(try server.catalog.recording(assigned)), by: .administrator(login: "t"))
        try? server.catalog.addApplication("hr", sessionProtocol: .ssh, recordingEnabled: true, retentionDays: nil, by: .administrator(login: "t"))
        try server.catalog.grant(.audit, to: "dave", on: .application("hr"), by: .administrator(login: "t"))
        try server.addUser("dave")
        let client = try await server.loggedIn("dave")
        #expect(Set(Self.ids(try await client.get("/"))) == [String(own.prefix(8)), String(audited.prefix(8)), String(assigned.prefix(8))])
        #expect(try await client.get("/recordings/\(assigned)").status == 200, "an auditor assigned to the recording sees it")
        let refused = try await client.get("/recordings/\(other)")
        #expect(refused.status == 403 && refused.body.contains("refusal was recorded"))
        let rows = try server.auditRows(action: "refused")
        #expect(rows.contains { $0.actor == "dave" && $0.recording == other && $0.detail?.contains("127.0.0.1") == true })
        let missing = try await client.get("/recordings/\(UUID().uuidString.lowercased())")
        #expect(missing.status == 403, "a recording that does not exist is refused as one not visible")
        let shown = try await client.get("/recordings/\(own)")
        #expect(shown.status == 200 && shown.body.contains(own))
        #expect(try server.auditRows(action: "view").contains { $0.actor == "dave" && $0.recording == own && $0.detail?.contains("127.0.0.1") == true })
        #expect(try server.auditRows(action: "web-view").contains { $0.actor == "dave" && $0.detail?.contains("127.0.0.1") == true })
    }

    @Test("a text search says how many recordings it could not search because their text is not indexed yet")
    func pendingText() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let indexed = try server.importRecording(user: "hana", outputs: ["needle here"])
        try server.importRecording(user: "hana", outputs: ["needle there"], deferText: true)
        try server.addUser("hana")
        let page = try await server.loggedIn("hana").get("/?text=needle")
        #expect(Self.ids(page) == [String(indexed.prefix(8))])
        #expect(page.body.contains("1 recording was not searched for text: its text is not indexed yet."))
    }

    @Test("pages of 50: the next page link, page 2 holds the rest, the live session is marked")
    func paging() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        for n in 0..<53 { try server.importRecording(user: "gina", start: 1_700_000_000_000_000 + Int64(n) * 1_000_000, seconds: 1) }
        try server.addUser("gina")
        let client = try await server.loggedIn("gina")
        let first = try await client.get("/")
        #expect(Self.ids(first).count == 50 && first.body.contains("Next page") && first.body.contains("?page=2"))
        let second = try await client.get("/?page=2")
        #expect(Self.ids(second).count == 3 && second.body.contains("Previous page") && !second.body.contains("Next page"))
        #expect(Set(Self.ids(first)).isDisjoint(with: Self.ids(second)))
        try server.execute("UPDATE recordings SET ingest_state = 'live' WHERE id = 1")
        let live = try await client.get("/?status=live")
        #expect(Self.ids(live).count == 1 && live.body.contains("class=\"live\""))
    }
}
