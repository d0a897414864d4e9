import Foundation
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Catalog search")
struct CatalogSearchTests {
    static let day: Int64 = 86_400_000_000
    static let now: Int64 = 1_764_000_000_000_000

    /// Four recordings with different users, applications, hosts, protocols, ages, lengths,
    /// indicators and text.
    static func catalog(_ ws: Workspace) throws -> Catalog {
        let specs: [(String, String, String, RecordingMetadata.SessionProtocol, Int64, Int, [String], [Event])] = [
            ("alice", "db-prod", "web1", .ssh, now - 1 * day, 5, ["select * from payroll"], [.command("psql")]),
            ("bob", "db-prod", "web2", .ssh, now - 10 * day, 30, ["rm -rf /tmp/cache"], [.marker("cleanup")]),
            ("alice", "crm", "win7", .rdp, now - 40 * day, 2, [], [.click(x: 1, y: 2, button: 1)]),
            ("carol", "jump", "web1", .ssh, now - 100 * day, 12, ["\u{1B}[32mdeploy finished\u{1B}[0m"], []),
        ]
        let catalog = try ws.catalog()
        for (i, s) in specs.enumerated() {
            try write(try recordingBytes(user: s.0, application: s.1, host: s.2, sessionProtocol: s.3, start: s.4, seconds: s.5, outputs: s.6, indicators: s.7),
                      to: ws.path("\(i).psrec"))
            #expect(try catalog.importRecording(path: ws.path("\(i).psrec"), actor: "t").kind == .added)
        }
        // One truncated recording: the file without its trailer.
        let bytes = try recordingBytes(user: "dave", application: "jump", start: now - 2 * day)
        try write(Array(bytes.dropLast(Trailer.size)), to: ws.path("t.psrec"))
        #expect(try catalog.importRecording(path: ws.path("t.psrec"), actor: "t").kind == .added)
        return catalog
    }

    func users(_ catalog: Catalog, _ build: (inout RecordingQuery) -> Void) throws -> [String] {
        var q = RecordingQuery()
        build(&q)
        return try catalog.search(q, as: admin).map { $0.user ?? "-" }
    }

    @Test("every filter, newest first", arguments: Engine.allCases)
    func filters(engine: Engine) throws {
        let ws = try Workspace(engine)
        let c = try Self.catalog(ws)
        #expect(try users(c) { _ in } == ["alice", "dave", "bob", "alice", "carol"])
        #expect(try users(c) { $0.user = "alice" } == ["alice", "alice"])
        #expect(try users(c) { $0.application = "db-prod" } == ["alice", "bob"])
        #expect(try users(c) { $0.sessionProtocol = "rdp" } == ["alice"])
        #expect(try users(c) { $0.host = "web1" } == ["alice", "dave", "carol"])
        #expect(try users(c) { $0.fromMicros = Self.now - 7 * Self.day } == ["alice", "dave"])
        #expect(try users(c) { $0.toMicros = Self.now - 30 * Self.day } == ["alice", "carol"])
        #expect(try users(c) { $0.status = .truncated } == ["dave"])
        #expect(try users(c) { $0.minDurationMicros = 10_000_000 } == ["bob", "carol"])
        #expect(try users(c) { $0.indicatorKind = .click } == ["alice"])
        #expect(try users(c) { $0.indicatorKind = .command } == ["alice"])
        #expect(try users(c) { $0.text = "payroll" } == ["alice"])
        #expect(try users(c) { $0.text = "deploy finished" } == ["carol"])
        #expect(try users(c) { $0.text = "finished deploy" } == [])
        #expect(try users(c) { $0.text = "rm -rf" } == ["bob"])
        #expect(try users(c) { $0.columnEquals = [("host", "win7")] } == ["alice"])
        #expect(try users(c) { $0.columnEquals = [("indicator_count", "0")] } == ["dave", "carol"])
        #expect(try users(c) { $0.columnEquals = [("start_time", "2025-11-14T16:00:00Z")] } == ["bob"])
        #expect(try users(c) { $0.application = "db-prod"; $0.host = "web2" } == ["bob"])
        #expect(try users(c) { $0.limit = 2 } == ["alice", "dave"])
    }

    @Test("an unknown column and a text without words are clear errors with their own codes, naming no flag", arguments: Engine.allCases)
    func errors(engine: Engine) throws {
        let ws = try Workspace(engine)
        let c = try Self.catalog(ws)
        var q = RecordingQuery()
        q.columnEquals = [("password", "x")]
        let error = #expect(throws: CatalogError.self) { try c.search(q, as: admin) }
        #expect(error?.code == .unknownColumn)
        #expect(error?.message.contains("no column 'password'") == true)
        #expect(error?.message.contains("--") == false)
        q = RecordingQuery()
        q.text = "--- ..."
        let empty = #expect(throws: CatalogError(.emptyTextSearch, "")) { try c.search(q, as: admin) }
        #expect(empty?.message.contains("--") == false)
        q = RecordingQuery()
        q.text = "\"; DROP TABLE recordings; --"
        #expect(try c.search(q, as: admin).isEmpty)
    }

    @Test("a text search says where in the session the words appeared", arguments: Engine.allCases)
    func matchTime(engine: Engine) throws {
        let ws = try Workspace(engine)
        let c = try Self.catalog(ws)
        var q = RecordingQuery()
        q.text = "payroll"
        let found = try #require(try c.search(q, as: admin).first)
        #expect(found.matchMicros != nil)
    }
}
