import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// Runs the Python/Selenium scripts of Tests/browser against a server a test started, in
/// headless Chromium from Debian's packages. Other suites (the players) use `BrowserRun`
/// the same way.
enum BrowserRun {
    /// The package's root, from this file's place in it.
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Screenshots: those of failures, and those the README shows (`search.png`,
    /// `terminal-player.png`, `screen-player.png`). `.build/` is not in git.
    static let artifacts = packageRoot.appendingPathComponent(".build/browser-artifacts")

    /// Whether the browser, its driver and Selenium are installed. In CI they must be:
    /// `.ci/setup` installs them, and a missing one fails the tests there instead of
    /// skipping them.
    static let available: Bool = {
        let fm = FileManager.default
        let found = fm.isExecutableFile(atPath: "/usr/bin/chromium") && fm.isExecutableFile(atPath: "/usr/bin/chromedriver")
            && (try? Tools.run("/usr/bin/python3", ["-c", "import selenium"]).status) == 0
        return found || ProcessInfo.processInfo.environment["CI"] != nil
    }()

    /// Runs `Tests/browser/SCRIPT` against the server on `port` with `data` (JSON) and
    /// returns its output; a failing script fails the test with its output and says where
    /// its screenshot is.
    @discardableResult
    static func run(_ script: String, port: Int, data: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: data), as: UTF8.self)
        let path = packageRoot.appendingPathComponent("Tests/browser/\(script)").path
        // A script that hangs is killed after 5 minutes (timeout's status 124).
        let result = try Tools.run("/usr/bin/env", [
            "PSREC_WEB_URL=http://127.0.0.1:\(port)", "PSREC_BROWSER_ARTIFACTS=\(artifacts.path)", "PSREC_TEST_DATA=\(json)",
            "PYTHONDONTWRITEBYTECODE=1", "timeout", "-s", "KILL", "300", "/usr/bin/python3", path,
        ])
        let output = result.output
        #expect(result.status == 0, "\(script) failed (screenshots in \(artifacts.path)):\n\(output)", sourceLocation: sourceLocation)
        return output
    }
}

@Suite("Web application in a real browser (headless Chromium)", .enabled(if: BrowserRun.available), .serialized)
struct BrowserTests {
    @Test("log in (a wrong password first), search, a text hit that links into the recording, hostile metadata as text, a refused recording with its audit row")
    func searchAndRefusal() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let hostile = ["<script>window.psrecInjected=1</script>", "\"'><img src=x onerror=\"window.psrecInjected=1\">"]
        var visible = [try server.importRecording(user: "alice", application: "db-prod", outputs: ["SELECT payroll FROM salaries;\r\n"])]
        for text in hostile {
            visible.append(try server.importRecording(user: "alice", application: text, host: text, outputs: ["x"], indicators: [.command(text)]))
        }
        let forbidden = try server.importRecording(user: "bob", application: "hr")
        try BrowserRun.run("test_search.py", port: server.port, data: [
            "user": "alice", "password": "correct horse battery", "wrongPassword": "incorrect horse",
            "visible": visible, "forbidden": forbidden, "hostile": hostile, "text": "payroll",
        ])
        let refusals = try server.auditRows(action: "refused").filter { $0.actor == "alice" && $0.recording == forbidden }
        #expect(refusals.count == 1 && refusals.first?.detail?.contains("127.0.0.1") == true, "\(refusals)")
        #expect(FileManager.default.fileExists(atPath: BrowserRun.artifacts.appendingPathComponent("search.png").path))
    }
}
