import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecScreen
@testable import PsrecWeb
import Testing

@Suite("Screen player: index, segments, rights, bad input")
struct ScreenPlayerTests {
    static func index(_ server: WebTestServer, _ id: String, cookie: String?) async throws -> ScreenIndexJSON {
        let answer = try await server.getBytes("/api/recordings/\(id)/index", cookie: cookie)
        guard answer.status == 200 else { throw TestFailure("index answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))") }
        #expect(answer.headers["content-type"] == "application/json")
        return try JSONDecoder().decode(ScreenIndexJSON.self, from: Data(answer.body))
    }

    static func segment(_ server: WebTestServer, _ id: String, _ n: Int, cookie: String?) async throws -> DecodedSegment {
        let answer = try await server.getBytes("/api/recordings/\(id)/segment?n=\(n)", cookie: cookie)
        guard answer.status == 200 else { throw TestFailure("segment \(n) answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))") }
        #expect(answer.headers["content-type"] == "application/octet-stream")
        return try DecodedSegment(wire: answer.body)
    }

    @Test("the index gives size, times, state, contiguous segments, the idle stretch, clicks with their positions and a heat map")
    func indexShape() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let (id, path) = try server.importScreenRecording(seconds: 30)
        let client = try await server.loggedIn("alice")
        let index = try await Self.index(server, id, cookie: client.cookie)
        let reader = try RecordingReader(path: path)
        #expect(index.id == id && index.state == "complete" && !index.live)
        #expect(index.width == ScreenWebSample.width && index.height == ScreenWebSample.height)
        #expect(index.startUnixMicros == 1_764_000_000_000_000)
        #expect(index.durationMicros == reader.durationMicros && index.durationMicros > 29_000_000)
        #expect(index.segments.count >= 3)
        #expect(index.segments.reduce(0) { $0 + Int($1[2]) } == reader.entries.count, "every chunk is in exactly one segment")
        for (a, b) in zip(index.segments, index.segments.dropFirst()) {
            #expect(a[0] <= a[1] && a[1] <= b[0])
            #expect(a[1] - a[0] <= ScreenSegmentPlan.maxSpanMicros)
        }
        #expect(index.idle.contains { $0[0] <= 12_000_000 && $0[1] >= 17_900_000 }, "the 6 s without activity is an idle stretch: \(index.idle)")
        let clicks = index.indicators.filter { $0.kind == "click" }
        #expect(clicks.count == reader.indicators.filter { $0.kind == .click }.count && clicks.count >= 5)
        #expect(clicks.allSatisfy { $0.x != nil && $0.y != nil && $0.button == 1 })
        #expect(index.heat.count <= ScreenIndex.heatBins && Int64(index.heat.count) * index.heatBinMicros >= index.durationMicros && index.heat.max() == 100)
        #expect(index.heat.enumerated().allSatisfy { i, v in
            let t = Int64(i) * index.heatBinMicros
            return !(12_500_000..<17_500_000).contains(t) || v == 0
        }, "no activity in the idle stretch of the heat map")
    }

    @Test("the pixels and pointer the page draws from the segments at time T are exactly ScreenRenderer's at T")
    func pixelsMatchRenderer() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let (id, path) = try server.importScreenRecording(seconds: 30)
        let client = try await server.loggedIn("alice")
        let index = try await Self.index(server, id, cookie: client.cookie)
        var segments: [Int: DecodedSegment] = [:]
        for n in 0..<index.segments.count { segments[n] = try await Self.segment(server, id, n, cookie: client.cookie) }
        #expect(segments.values.contains { $0.snapshot.width == 0 }, "some segments start with a keyframe and need no snapshot")
        #expect(segments.values.contains { $0.snapshot.width == ScreenWebSample.width }, "some start between keyframes and carry a snapshot")
        let blank = Framebuffer(width: index.width, height: index.height)
        var times: [Int64] = [0, 1, index.durationMicros, 12_100_000, 17_999_999]
        times += stride(from: Int64(0), through: index.durationMicros, by: 333_333)
        times += index.segments.flatMap { [$0[0], $0[0] - 1, $0[1]] }.filter { $0 >= 0 }
        times += [2_503_999, 2_504_000, 7_503_999, 7_504_000]   // around the rgb565 (2.504 s) and rgb888 (7.504 s) deltas
        var checked = 0
        for t in times {
            let renderer = ScreenRenderer(reader: try RecordingReader(path: path))
            let expected = renderer.render(at: t)
            let (drawn, pointer) = ScreenWebSample.draw(segments[index.segment(at: t)]!, at: t, blank: blank)
            #expect(drawn.width == expected.width && drawn.height == expected.height, "size at \(t)")
            #expect(drawn.rgbFromRGBA() == expected.rgbBytes(), "pixels at \(t) µs")
            #expect(pointer?.x == renderer.pointer?.x && pointer?.y == renderer.pointer?.y, "pointer at \(t) µs")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test("the segment's cost does not grow with the recording: one moment is one segment of bounded size")
    func boundedSegments() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let short = try server.importScreenRecording(seconds: 24).id
        let long = try server.importScreenRecording(seconds: 120).id
        let client = try await server.loggedIn("alice")
        var largest: [Int] = []
        for id in [short, long] {
            let index = try await Self.index(server, id, cookie: client.cookie)
            var most = 0
            for n in [0, index.segments.count / 2, index.segment(at: index.durationMicros * 9 / 10)] {
                let segment = try await Self.segment(server, id, n, cookie: client.cookie)
                #expect(segment.chunkCount <= ScreenSegmentPlan.maxChunks)
                most = max(most, segment.wireBytes)
            }
            largest.append(most)
        }
        // A segment holds at most one snapshot and the events of ≤ 10 s: the same bound for both.
        let screenBytes = ScreenWebSample.width * ScreenWebSample.height * 4
        #expect(largest.allSatisfy { $0 < 4 * screenBytes }, "\(largest)")
        #expect(largest[1] < 2 * largest[0] + screenBytes, "the 120 s recording's segments are no larger than the 24 s one's: \(largest)")
    }

    @Test("each malformed parameter is a 400 with a sentence in JSON, never a 500", arguments: [
        ("segment", 400), ("segment?n=", 400), ("segment?n=-1", 400), ("segment?n=abc", 400), ("segment?n=1e3", 400),
        ("segment?n=99999", 400), ("segment?n=9999999999", 400), ("segment?n=0&x=1", 400), ("segment?n=%zz", 400),
        ("segment?n=0&n=1", 400), ("segment?n=%00", 400), ("segment?n=0x10", 400), ("segment?n=+1", 400), ("segment?n=1.5", 400),
        ("index?x=1", 400), ("index?t=5", 400), ("frames", 404), ("segment/../index", 404),
    ])
    func badParameters(target: String, status: Int) async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let id = try server.importScreenRecording(seconds: 6).id
        let client = try await server.loggedIn("alice")
        let answer = try await client.get("/api/recordings/\(id)/\(target)")
        #expect(answer.status == status, "\(target): \(answer.body)")
        let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String]
        let sentence = try #require(json?["error"])
        #expect(sentence.hasSuffix(".") && sentence.count > 20 && !sentence.contains("Optional("), "\(sentence)")
    }

    @Test("not logged in: 401 at every resource; a user without the right: 403 and an audit row at every resource and the page")
    func rights() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        try server.addUser("mallory")
        let id = try server.importScreenRecording(seconds: 6, user: "alice").id
        for resource in ["index", "segment?n=0"] {
            let anonymous = try await server.client().get("/api/recordings/\(id)/\(resource)")
            #expect(anonymous.status == 401 && anonymous.body.contains("\"error\""))
        }
        let mallory = try await server.loggedIn("mallory")
        let before = try server.auditRows(action: "refused").count
        for resource in ["index", "segment?n=0", "segment?n=1"] {
            let answer = try await mallory.get("/api/recordings/\(id)/\(resource)")
            #expect(answer.status == 403, "\(resource)")
            #expect(!answer.body.contains("PSRZ") && !answer.body.contains("durationMicros"))
        }
        #expect(try await mallory.get("/recordings/\(id)").status == 403)
        let refusals = try server.auditRows(action: "refused").dropFirst(before)
        #expect(refusals.count == 4 && refusals.allSatisfy { $0.actor.contains("mallory") && $0.recording == id })
        #expect(refusals.contains { $0.detail?.contains("web segment") == true && $0.detail?.contains("127.0.0.1") == true })
        // And the owner's fetches are each a view in the audit log.
        let alice = try await server.loggedIn("alice")
        let views = try server.auditRows(action: "view").count
        _ = try await Self.index(server, id, cookie: alice.cookie)
        _ = try await Self.segment(server, id, 0, cookie: alice.cookie)
        let rows = try server.auditRows(action: "view").dropFirst(views)
        #expect(rows.count == 2 && rows.contains { $0.detail?.contains("web index") == true } && rows.contains { $0.detail?.contains("web segment") == true })
    }

    @Test("the page: canvas, script from /static, deep link, hostile metadata escaped, no inline script or style")
    func page() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let hostile = "<script>alert(1)</script>\"'\u{202E}"
        let id = try server.importScreenRecording(seconds: 6, application: hostile, host: hostile).id
        let client = try await server.loggedIn("alice")
        let page = try await client.get("/recordings/\(id)?t=1:05.5")
        #expect(page.status == 200)
        #expect(page.body.contains("<canvas id=\"sp-screen\"") && page.body.contains("<script src=\"/static/screen-player.js\"></script>"))
        #expect(page.body.contains("data-start-micros=\"65500000\"") && page.body.contains("data-id=\"\(id)\""))
        #expect(!page.body.contains("<script>alert") && !page.body.contains("\u{202E}") && page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"))
        #expect(page.body.components(separatedBy: "<script").count == 2, "one script element, with a src")
        #expect(!page.body.contains("style=") && !page.body.contains("<style") && !page.body.contains(" onclick") && !page.body.contains(" onerror"))
        let plain = try await client.get("/recordings/\(id)")
        #expect(plain.body.contains("data-start-micros=\"-1\""))
        // What the index gives the script is JSON: the hostile text stays text, escaped by JSON.
        let index = try await Self.index(server, id, cookie: client.cookie)
        #expect(index.id == id)
        for (name, type) in [("screen-player.js", "text/javascript; charset=utf-8"), ("screen-player.css", "text/css; charset=utf-8")] {
            let file = try await client.get("/static/\(name)")
            #expect(file.status == 200 && file.header("Content-Type") == type && file.header("Content-Security-Policy") != nil)
            #expect(!file.body.contains("eval(") && !file.body.contains("innerHTML") && !file.body.contains("new Function"))
        }
    }
}
