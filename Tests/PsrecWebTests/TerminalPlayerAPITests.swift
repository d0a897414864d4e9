import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop
@testable import PsrecWeb
import Testing

@Suite("The terminal player's page and API")
struct TerminalPlayerAPITests {
    /// A server with alice's terminal recording and two web users: alice (its owner) and
    /// mallory (no right).
    static func serverWithRecording(events: [(Int64, Event)] = TerminalFixtures.sessionEvents(count: 300), chunkBytes: Int = 2048) async throws -> (WebTestServer, CatalogRecording) {
        let server = try await WebTestServer()
        let recording = try server.importTerminal(try TerminalFixtures.recording(events, chunkBytes: chunkBytes))
        try server.addUser("alice")
        try server.addUser("mallory")
        return (server, recording)
    }

    /// Waits until the background build has made the recording's keyframes (the index asks for it).
    static func waitForKeyframes(_ client: HTTPTestClient, _ id: String) async throws -> [String: Any] {
        for _ in 0..<1800 {
            let index = try WebTestServer.json(try await client.get("/api/recordings/\(id)/index"))
            if index["keyframesBuilt"] as? Bool == true { return index }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the keyframes of \(id) were not built in 3 minutes")
    }

    @Test("index: duration, size, state, start, keyframes, indicators and activity; the keyframes are built in the background")
    func index() async throws {
        var events = TerminalFixtures.sessionEvents(count: 600)
        events.append((events.last!.0 + 1000, .command("ls -l /srv")))
        events.append((events.last!.0 + 2000, .marker("look here")))
        let (server, recording) = try await Self.serverWithRecording(events: events)
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        let index = try await Self.waitForKeyframes(client, recording.uuid)
        #expect(index["id"] as? String == recording.uuid)
        #expect(index["state"] as? String == "complete")
        #expect(index["columns"] as? Int == 80 && index["rows"] as? Int == 24)
        #expect(index["startUnixMicros"] as? Int64 == 1_700_000_000_000_000)
        #expect((index["durationMicros"] as? Int64 ?? 0) >= events.last!.0)
        let keyframes = index["keyframes"] as? [Int64] ?? []
        #expect(keyframes.count == (try server.catalog.keyframeCount(of: recording)) && keyframes.count >= 1)
        let indicators = index["indicators"] as? [[String: Any]] ?? []
        #expect(indicators.contains { $0["kind"] as? String == "command" && $0["detail"] as? String == "ls -l /srv" })
        #expect(indicators.contains { $0["kind"] as? String == "marker" && $0["detail"] as? String == "look here" })
        let activity = index["activity"] as? [String: Any]
        let values = activity?["values"] as? [Int] ?? []
        #expect(values.count == 200 && values.reduce(0, +) > 0)
        #expect(values.filter { $0 == 0 }.count > 0, "the idle gaps show as no activity")
    }

    @Test("segment and search answer with what the recording holds at that moment")
    func segmentAndSearch() async throws {
        let (server, recording) = try await Self.serverWithRecording()
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        _ = try await Self.waitForKeyframes(client, recording.uuid)
        let reader = try RecordingReader(source: try server.catalog.content(of: recording))
        for t: Int64 in [0, 5_000_000, 20_123_456, 41_000_000] {
            let answer = try await client.get("/api/recordings/\(recording.uuid)/segment?from=\(t)")
            #expect(answer.status == 200 && answer.header("Content-Type") == "application/json")
            let segment = try JSONDecoder().decode(TerminalSegmentDecoded.self, from: Data(answer.body.utf8)).segment
            #expect(segment.from == t)
            TerminalKeyframeTests.expectSame(TerminalFixtures.screen(of: segment, through: t), TerminalScreen.replaying(reader, throughMicros: t), "GET segment?from=\(t)")
        }
        let byNumber = try WebTestServer.json(try await client.get("/api/recordings/\(recording.uuid)/segment?n=0"))
        #expect(byNumber["from"] as? Int64 == (try server.catalog.keyframes(of: recording)).first?.timeMicros)
        // Search: the catalog's text rows, with times.
        let hits = try WebTestServer.json(try await client.get("/api/recordings/\(recording.uuid)/search?q=file123"))
        let list = hits["hits"] as? [[String: Any]] ?? []
        #expect(list.count == 1 && list.first?["match"] as? String == "file123", "\(hits)")
        // The hit's time is that of the output that wrote the word: the screen then shows it.
        let hitTime = list.first?["t"] as? Int64 ?? -1
        #expect(hitTime > 0)
        #expect(TerminalScreen.replaying(reader, throughMicros: hitTime).displayLines.contains { $0.contains("file123") })
        #expect(!TerminalScreen.replaying(reader, throughMicros: hitTime - 1).text().contains("file123"), "not written before")
        #expect(hits["pending"] as? Bool == false)
        let none = try WebTestServer.json(try await client.get("/api/recordings/\(recording.uuid)/search?q=nowhere+to+be+found"))
        #expect((none["hits"] as? [Any])?.isEmpty == true)
    }

    @Test("a segment of a recording with a lot of output stays under 2 MB", .timeLimit(.minutes(6)))
    func segmentSizeBound() async throws {
        // 6 MB of coloured output: no segment may bring more than 2 MB to show a moment.
        var events: [(Int64, Event)] = []
        var t: Int64 = 0
        var generator = SystemRandomNumberGenerator()
        for i in 0..<1800 {
            t += 10_000
            let line = (0..<40).map { _ in "\u{1B}[3\(Int.random(in: 0...7, using: &generator))m\(UInt32.random(in: 0...UInt32.max, using: &generator))" }.joined()
            events.append((t, .output(Array("\(i) \(line)\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 3000))))
        }
        let (server, recording) = try await Self.serverWithRecording(events: events, chunkBytes: 256 * 1024)
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        let index = try await Self.waitForKeyframes(client, recording.uuid)
        #expect((index["keyframes"] as? [Any])?.count ?? 0 >= 8)
        for fraction in [0.0, 0.5, 0.9, 1.0] {
            let from = Int64(Double(t) * fraction)
            let answer = try await client.get("/api/recordings/\(recording.uuid)/segment?from=\(from)")
            #expect(answer.status == 200)
            #expect(answer.body.utf8.count <= 2_000_000, "segment at \(fraction): \(answer.body.utf8.count) bytes")
        }
    }

    @Test("far from any keyframe built yet, a segment is a 503 that starts the build, then the segment", .timeLimit(.minutes(6)))
    func notBuiltYet() async throws {
        // About 6 MB of output that does not compress: more stored bytes than a request replays.
        var generator = SystemRandomNumberGenerator()
        let events: [(Int64, Event)] = (0..<100).map { i in
            (Int64(i) * 100_000, .output((0..<60_000).map { n in n % 100 == 99 ? 10 : UInt8.random(in: 0x21...0x7e, using: &generator) }))
        }
        let (server, recording) = try await Self.serverWithRecording(events: events, chunkBytes: 256 * 1024)
        defer { Task { await server.stop() } }
        #expect(try server.catalog.content(of: recording).size > WebApplication.replayLimitBytes)
        let client = try await server.loggedIn("alice")
        let path = "/api/recordings/\(recording.uuid)/segment?from=\(events.last!.0)"
        let first = try await client.get(path)
        let sentence = try WebTestServer.json(first)["error"] as? String ?? ""
        #expect(first.status == 503 && sentence.contains("try again"))
        var answer = first
        for _ in 0..<3000 where answer.status == 503 {
            try await Task.sleep(for: .milliseconds(100))
            answer = try await client.get(path)
        }
        #expect(answer.status == 200, "the segment once the keyframes are built")
        #expect(try server.catalog.keyframeCount(of: recording) > 5)
    }

    @Test("every malformed parameter is a 400 with a sentence in JSON, never a 500", arguments: [
        "segment", "segment?n=-1", "segment?n=99999999999", "segment?from=abc", "segment?from=-5", "segment?from=1e9", "segment?from=1&n=2",
        "segment?from=1&from=2", "segment?from=9999999999999999", "segment?x=1", "segment?from=%ZZ", "index?q=1", "index?from=0",
        "search", "search?q=", "search?q=%2B%2B%2B", "search?q=" + String(repeating: "a", count: 201), "search?q=a&n=1", "search?q=%00",
    ])
    func badParameters(query: String) async throws {
        let (server, recording) = try await Self.serverWithRecording(events: TerminalFixtures.sessionEvents(count: 20))
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        let answer = try await client.get("/api/recordings/\(recording.uuid)/\(query)")
        #expect(answer.status == 400, "\(query): \(answer.status) \(answer.body.prefix(200))")
        let error = (try? WebTestServer.json(answer))?["error"] as? String ?? ""
        #expect(error.hasSuffix(".") && error.count > 10, "\(query): \(answer.body.prefix(200))")
    }

    @Test("an unknown resource is 404, a keyframe number past the last is 404")
    func notFound() async throws {
        let (server, recording) = try await Self.serverWithRecording(events: TerminalFixtures.sessionEvents(count: 20))
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        #expect(try await client.get("/api/recordings/\(recording.uuid)/frames").status == 404)
        _ = try await Self.waitForKeyframes(client, recording.uuid)
        #expect(try await client.get("/api/recordings/\(recording.uuid)/segment?n=999999").status == 404)
    }

    @Test("every endpoint: 401 when not logged in, 403 and an audit row for a user without the right, an audit row for each view")
    func rights() async throws {
        let (server, recording) = try await Self.serverWithRecording(events: TerminalFixtures.sessionEvents(count: 20))
        defer { Task { await server.stop() } }
        let paths = ["index", "segment?from=0", "segment?n=0", "search?q=line"]
        let anonymous = server.client()
        for path in paths {
            let answer = try await anonymous.get("/api/recordings/\(recording.uuid)/\(path)")
            #expect(answer.status == 401 && answer.body.contains("\"error\""), "\(path)")
        }
        let mallory = try await server.loggedIn("mallory")
        for (n, path) in paths.enumerated() {
            let answer = try await mallory.get("/api/recordings/\(recording.uuid)/\(path)")
            #expect(answer.status == 403, "\(path): \(answer.status)")
            #expect(!answer.body.contains("line 0"), "nothing of the recording in a refusal")
            let refused = try server.auditRows(action: "refused").filter { $0.actor == "mallory" && $0.recording == recording.uuid }
            #expect(refused.count == n + 1, "\(path): one refusal row per request")
        }
        #expect(try await mallory.get("/recordings/\(recording.uuid)").status == 403)
        let alice = try await server.loggedIn("alice")
        let before = try server.auditRows(action: "view").filter { $0.actor == "alice" }.count
        for path in paths { #expect(try await alice.get("/api/recordings/\(recording.uuid)/\(path)").status == 200, "\(path)") }
        let views = try server.auditRows(action: "view").filter { $0.actor == "alice" && $0.recording == recording.uuid }
        #expect(views.count == before + paths.count, "one view row per request")
        #expect(views.last?.detail?.contains("127.0.0.1") == true)
    }

    @Test("hostile metadata and indicator details are escaped in the page and plain, safe text in the JSON")
    func hostile() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let nasty = "<script>alert(1)</script>\"' \u{202E}evil"
        let id = try server.importRecording(user: "alice", application: "app<b>\u{202E}", host: "h\"><img src=x onerror=alert(1)>",
                                            indicators: [.command(nasty), .marker("</li><script>x()</script>")])
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        let page = try await client.get("/recordings/\(id)")
        #expect(page.status == 200)
        #expect(!page.body.contains("<script>alert") && !page.body.contains("<script>x()") && !page.body.contains("<img src=x"))
        #expect(!page.body.contains("\u{202E}"), "no raw bidi override")
        #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"))
        #expect(page.body.contains("\\u{202e}evil"))
        #expect(page.body.contains("<script src=\"/static/psrec-terminal.js\"></script>"))
        #expect(page.body.components(separatedBy: "<script").count - 1 == 2, "only the two script files")
        #expect(!page.body.contains("style=\""), "no inline style")
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        let answer = try await client.get("/api/recordings/\(id)/index")
        #expect(!answer.body.contains("\u{202E}"))
        let index = try WebTestServer.json(answer)
        let details = (index["indicators"] as? [[String: Any]] ?? []).compactMap { $0["detail"] as? String }
        #expect(details.contains("<script>alert(1)</script>\"' \\u{202e}evil"), "the text itself, unsafe scalars made visible: \(details)")
        #expect(details.contains("</li><script>x()</script>"))
    }

    @Test("the page carries the deep link's time, the xterm.js files are served, and ?t= is checked")
    func pageAndFiles() async throws {
        let (server, recording) = try await Self.serverWithRecording(events: TerminalFixtures.sessionEvents(count: 20))
        defer { Task { await server.stop() } }
        let client = try await server.loggedIn("alice")
        let page = try await client.get("/recordings/\(recording.uuid)?t=1:23.5")
        #expect(page.status == 200 && page.body.contains("data-start=\"83500000\""))
        #expect(try await client.get("/recordings/\(recording.uuid)?t=1:99").status == 400)
        let script = try await client.get("/static/psrec-terminal.js")
        #expect(script.status == 200 && script.body.contains("window.psrecPlayer") && !script.body.contains("eval("))
        let xterm = try await client.get("/static/xterm.js")
        if StaticFiles.xtermInstalled {
            #expect(xterm.status == 200 && xterm.body.contains("window.Terminal") || xterm.body.utf8.count > 100_000)
            #expect(try await client.get("/static/xterm.css").status == 200)
            #expect(!page.body.contains("libjs-xterm"))
        } else {
            #expect(xterm.status == 404 && page.body.contains("libjs-xterm"))
        }
    }
}

/// The segment JSON read back into `TerminalSegment` (which is only `Encodable`).
struct TerminalSegmentDecoded: Decodable {
    var segment: TerminalSegment
    init(from decoder: any Decoder) throws {
        struct Raw: Decodable {
            var from: Int64, columns: Int, rows: Int, snapshot: String, events: [[Int64]], data: String, end: Int64, continues: Bool, atEnd: Bool
        }
        let raw = try Raw(from: decoder)
        segment = TerminalSegment(from: raw.from, columns: raw.columns, rows: raw.rows, snapshot: raw.snapshot, events: raw.events,
                                  data: raw.data, end: raw.end, continues: raw.continues, atEnd: raw.atEnd)
    }
}
