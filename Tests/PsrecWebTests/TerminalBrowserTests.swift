import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop
@testable import PsrecWeb
import Testing

@Suite("The terminal player in a real browser (headless Chromium)", .enabled(if: BrowserRun.available), .serialized)
struct TerminalBrowserTests {
    /// The visible rows of our emulator's screen at `micros`: what xterm.js must show then.
    static func expectedLines(_ reader: RecordingReader, _ micros: Int64) -> [String] {
        TerminalScreen.replaying(reader, throughMicros: micros).displayLines
    }

    @Test("play with skip inactivity, indicators, seek far in a long recording, a deep link, keys: the page's terminal shows what the emulator gives", .timeLimit(.minutes(8)))
    func player() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        // A short session with commands as indicators and idle gaps of 12 s every 50 events.
        var events = TerminalFixtures.sessionEvents(count: 160)
        let commands: [(Int64, String)] = [(events[20].0 + 500, "ls -l /srv"), (events[75].0 + 500, "cat /etc/shadow"), (events[130].0 + 500, "rm -rf /tmp/x")]
        events += commands.map { ($0.0, Event.command($0.1)) }
        events.sort { $0.0 < $1.0 }
        let short = try server.importTerminal(try TerminalFixtures.recording(events))
        let shortReader = try RecordingReader(source: try server.catalog.content(of: short))
        // A long one: about 4 hours and 4 MB of output.
        let longEvents = TerminalFixtures.sessionEvents(count: 40_000)
        let long = try server.importTerminal(try TerminalFixtures.recording(longEvents, chunkBytes: 64 * 1024, indexEveryChunks: 64))
        let longReader = try RecordingReader(source: try server.catalog.content(of: long))
        for recording in [short, long] { try KeyframeQueue.build(recording, in: server.catalog) }
        #expect(try server.catalog.keyframeCount(of: long) >= 4)

        let gapEnd = events.first { $0.0 > 12_000_000 }!.0 // the first idle gap ends here
        let far = longEvents[longEvents.count * 9 / 10].0 + 1
        let deepLink: Int64 = 20_000_000
        let data: [String: Any] = [
            "user": "alice", "password": "correct horse battery",
            "short": short.uuid, "long": long.uuid,
            "indicators": commands.map { ["t": $0.0, "detail": $0.1, "lines": Self.expectedLines(shortReader, $0.0)] as [String: Any] },
            "gapStart": gapEnd - 12_000_000, "gapEnd": gapEnd,
            "far": far, "farLines": Self.expectedLines(longReader, far),
            "deepLinkSeconds": deepLink / 1_000_000, "deepLinkLines": Self.expectedLines(shortReader, deepLink),
            "durationMicros": shortReader.durationMicros,
        ]
        let output = try BrowserRun.run("test_terminal_player.py", port: server.port, data: data)
        print(output)
        #expect(FileManager.default.fileExists(atPath: BrowserRun.artifacts.appendingPathComponent("terminal-player.png").path))
        let views = try server.auditRows(action: "view").filter { $0.actor == "alice" && $0.recording == long.uuid }
        #expect(views.contains { $0.detail?.contains("web segment") == true }, "each segment the browser fetched is in the audit log")
    }

    @Test("live view: the page follows the ingest at the live edge, jumps back on demand, and says when the session ends", .timeLimit(.minutes(5)))
    func live() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let events = TerminalFixtures.sessionEvents(count: 400, gapEvery: 1000)
        let session = try TerminalLiveSession(server, events: events)
        try session.send(session.remaining / 4)
        let whole = try TerminalFixtures.reader(session.bytes)
        let back: Int64 = 3_000_000
        // The capture host goes on once the page is open (its first index request, after the
        // browser lock other tests may hold): a chunk every 150 ms after 3 s, then the trailer.
        let feeder = Thread {
            for _ in 0..<1500 {
                let opened = (try? server.auditRows(action: "view"))?.contains { $0.recording == session.uuid && $0.detail?.contains("web index") == true }
                if opened == true { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
            Thread.sleep(forTimeInterval: 3)
            while session.remaining > 0 {
                try? session.send(1)
                Thread.sleep(forTimeInterval: 0.15)
            }
            Thread.sleep(forTimeInterval: 4)
            try? session.finish()
        }
        feeder.start()
        let output = try BrowserRun.run("test_terminal_live.py", port: server.port, data: [
            "user": "alice", "password": "correct horse battery", "live": session.uuid,
            "back": back, "backLines": Self.expectedLines(whole, back),
            "endLines": Self.expectedLines(whole, whole.durationMicros), "fullDuration": whole.durationMicros,
        ])
        print(output)
    }
}
