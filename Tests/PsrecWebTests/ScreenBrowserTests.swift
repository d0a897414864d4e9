import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecScreen
import PsrecTestSupport
import Testing

@Suite("Screen player in a real browser (headless Chromium)", .enabled(if: BrowserRun.available), .serialized)
struct ScreenBrowserTests {
    /// Largest difference allowed between the canvas and `ScreenRenderer` (what `psrec render`
    /// draws) at the same moment: at most 0.1 % of the pixels may differ, by at most 2 per
    /// channel. The page copies the server's RGBA into an `ImageData` unchanged, so the
    /// difference measured is 0; the bound leaves room for a browser's colour handling.
    static let maxDifferingFraction = 0.001, maxChannelDifference = 2

    @Test("open a screen recording at ?t=, seek, click an indicator, keys, play with skip inactivity: the canvas equals ScreenRenderer's picture at each moment; the pointer and clicks are drawn; no console error")
    func screenPlayer() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let hostile = "<script>window.psrecInjected=1</script>"
        let (id, path) = try server.importScreenRecording(seconds: 30, application: hostile, width: 480, height: 300)
        let reader = try RecordingReader(path: path)
        let firstClick = try #require(reader.indicators.first { $0.kind == .click })
        // Moments to compare: the deep link, seeks forward and back across keyframes and
        // segments, the idle stretch, the end, and the first click (reached from the list).
        let times: [Int64] = [7_500_000, 0, 25_300_000, 3_100_000, 14_000_000, 2_504_000, reader.durationMicros, firstClick.timeMicros]
        let dir = server.dir.appendingPathComponent("expected")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var expected: [[String: Any]] = []
        for t in times {
            let frame = ScreenRenderer(reader: try RecordingReader(path: path)).render(at: t)
            let file = dir.appendingPathComponent("\(t).rgb").path
            try Data(frame.rgbBytes()).write(to: URL(fileURLWithPath: file))
            expected.append(["timeMicros": t, "width": frame.width, "height": frame.height, "rgb": file])
        }
        let views = try server.auditRows(action: "view").count
        let output = try BrowserRun.run("test_screen_player.py", port: server.port, data: [
            "user": "alice", "password": "correct horse battery", "id": id, "expected": expected, "bound": ["maxDifferingFraction": Self.maxDifferingFraction, "maxChannelDifference": Self.maxChannelDifference],
            "deepLink": "0:07.5", "firstClickMicros": firstClick.timeMicros, "idle": [12_000_000, 18_000_000],
            "durationMicros": reader.durationMicros, "hostile": hostile,
        ])
        #expect(output.contains("largest difference"))
        print(output.split(separator: "\n").filter { $0.contains("largest difference") }.joined())
        #expect(FileManager.default.fileExists(atPath: BrowserRun.artifacts.appendingPathComponent("screen-player.png").path))
        // Every fetch of the page's is a view in the audit log: the page, the index, the segments.
        let rows = try server.auditRows(action: "view").dropFirst(views)
        #expect(rows.contains { $0.detail?.contains("web index") == true } && rows.contains { $0.detail?.contains("web segment") == true })
        #expect(rows.allSatisfy { $0.recording == id })
    }

    @Test("live view: the page follows a recording as its chunks are committed, can jump back and return to the live edge, and says when it is interrupted")
    func liveView() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let uuid = UUID(), id = uuid.uuidString.lowercased()
        let (head, chunks) = ScreenLiveTests.cut(try ScreenWebSample.recording(id: uuid, seconds: 30, width: 320, height: 200))
        _ = try server.catalog.beginIngest(host: "cap1", head: head, actor: "test")
        let third = chunks.count / 3
        for chunk in chunks[..<third] {
            _ = try server.catalog.appendIngest(host: "cap1", recordingID: uuid, offset: chunk.offset, chunk: chunk.bytes)
        }
        // The capture host goes on once the page has loaded the index, a chunk every 300 ms,
        // then stops sending; the catalog then marks the recording interrupted.
        nonisolated(unsafe) let catalog = server.catalog
        let rest = Array(chunks[third...])
        let signal = server.dir.appendingPathComponent("interrupt-now").path
        // A thread of its own, not a task: this test blocks its cooperative thread while the
        // browser runs, and a loaded suite's other tests may hold the rest of the pool.
        let feeder = Thread {
            let deadline = Date().addingTimeInterval(120)
            while (try? server.auditRows(action: "view").contains { $0.recording == id && $0.detail?.contains("web index") == true }) != true {
                guard Date() < deadline else { return }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Thread.sleep(forTimeInterval: 1.5)
            for chunk in rest {
                _ = try? catalog.appendIngest(host: "cap1", recordingID: uuid, offset: chunk.offset, chunk: chunk.bytes)
                Thread.sleep(forTimeInterval: 0.3)
            }
            // Interrupted once the page has shown the live edge, jumped back and returned
            // (the script says so with a file), so that a slow machine cannot reorder them.
            while !FileManager.default.fileExists(atPath: signal) && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.1)
            }
            _ = try? catalog.markInterrupted(seenBeforeMicros: Int64.max)
        }
        feeder.start()
        try BrowserRun.run("test_screen_live.py", port: server.port, data: ["user": "alice", "password": "correct horse battery", "id": id, "signal": signal])
    }
}
