import Foundation
import Testing
import PsrecTestSupport

/// `psrec record` of real programs (vim, less, top, a shell) driven through tmux as a person
/// would (issue 5, "Done when", first point).
///
/// Each program runs as `script -q --log-out LOG -c 'psrec record -o REC -- PROGRAM'` in a
/// 100×30 tmux pane, so util-linux `script` and psrec see the very same run:
///
///     tmux pane ── script (pty 1, logs its output to LOG) ── psrec (pty 2, writes REC) ── PROGRAM
///
/// Then: (a) the output bytes in REC (`psrec cat`) equal what `script` logged, less the two
/// lines `script` itself adds; (b) replayed into pyte, an independent terminal emulator, the
/// recording draws the screen that `tmux capture-pane` shows. The screen is compared while the
/// program still shows it (before quitting), against the live, still-growing recording:
/// psrec closes a chunk at least every second, so the file catches up with the pane.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RecordTmuxTests {
    static let canRun = TmuxSession.isAvailable && ExternalTool.has("script") && ExternalTool.hasPyte

    /// A program to record, how to drive it and how to quit it.
    struct Scenario {
        var name: String
        var program: [String]
        var files: [String: String] = [:]
        /// Brings the program to the screen to compare, waiting for it.
        var drive: (TmuxSession) throws -> Void
        /// Leaves the program.
        var quit: (TmuxSession) throws -> Void
    }

    @Test(.enabled(if: canRun && ExternalTool.has("vim"), "needs tmux, script, python3 with pyte and vim"))
    func vim() throws {
        let text = (1...40).map { "note line \($0) of the vim test" }.joined(separator: "\n") + "\n"
        try check(Scenario(
            name: "vim",
            program: ["vim", "-u", "NONE", "-i", "NONE", "-N", "-n", "notes.txt"],
            files: ["notes.txt": text],
            drive: { tmux in
                try tmux.waitFor("note line 1 of the vim test")
                try tmux.waitFor("\"notes.txt\"")
                try tmux.type("Go")
                try tmux.type("typed in vim")
                try tmux.press("Escape")
                try tmux.waitFor("typed in vim")
            },
            quit: { tmux in
                try tmux.type(":q!")
                try tmux.press("Enter")
            }))
    }

    @Test(.enabled(if: canRun && ExternalTool.has("less"), "needs tmux, script, python3 with pyte and less"))
    func less() throws {
        let text = (1...300).map { "page line \($0)" }.joined(separator: "\n") + "\n"
        try check(Scenario(
            name: "less",
            program: ["env", "-u", "LESSOPEN", "-u", "LESSCLOSE", "-u", "LESS", "less", "pages.txt"],
            files: ["pages.txt": text],
            drive: { tmux in
                try tmux.waitForScreen("less's first page") { $0.contains("page line 1") && $0.contains("page line 29") }
                try tmux.press("Space")
                try tmux.waitForScreen("less's second page") { $0.contains("page line 58") && !$0.contains("page line 1") }
            },
            quit: { tmux in try tmux.type("q") }))
    }

    @Test(.enabled(if: canRun && ExternalTool.has("top"), "needs tmux, script, python3 with pyte and top"))
    func top() throws {
        try check(Scenario(
            name: "top",
            // A long refresh delay keeps the screen still while it is compared.
            program: ["top", "-d", "60"],
            drive: { tmux in
                try tmux.waitForScreen("top's process list") { lines in
                    lines.contains { $0.contains("load average") } && lines.contains { $0.contains("PID") && $0.contains("COMMAND") }
                }
            },
            quit: { tmux in try tmux.type("q") }))
    }

    @Test(.enabled(if: canRun && ExternalTool.has("bash"), "needs tmux, script, python3 with pyte and bash"))
    func shell() throws {
        try check(Scenario(
            name: "shell",
            program: ["env", "PS1=rec$ ", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile", "-i"],
            drive: { tmux in
                try tmux.waitFor("rec$")
                try tmux.type("echo hello from the shell; printf 'a\\tb\\n'; ls")
                try tmux.press("Enter")
                try tmux.waitForScreen("the shell's output and next prompt") { lines in
                    lines.contains("hello from the shell") && lines.contains("a       b") && lines.last == "rec$"
                }
            },
            quit: { tmux in
                try tmux.type("exit")
                try tmux.press("Enter")
            }))
    }

    func check(_ scenario: Scenario) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, content) in scenario.files {
            try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let rec = dir.appendingPathComponent("\(scenario.name).psrec").path
        let log = dir.appendingPathComponent("\(scenario.name).script").path
        let inner = ([CLI.binary.path, "record", "-o", rec, "--"] + scenario.program).map(ExternalTool.shellQuote).joined(separator: " ")
        let tmux = try TmuxSession(["script", "-q", "--log-out", log, "-c", inner], directory: dir.path)
        defer { tmux.close() }
        let size = try #require(tmux.paneSize)
        #expect(size.cols == 100 && size.rows == 30)

        // Keys are sent only once the program shows its screen: typed earlier, they would
        // reach script's pty before psrec switches it to raw mode and be echoed there.
        try scenario.drive(tmux)

        // (b) The live recording, replayed into pyte, draws what tmux shows. Both captures
        // around the replay must agree, so a screen that changed meanwhile is retried.
        var last: (pane: [String], replay: [String]) = ([], [])
        let same = try ExternalTool.waitUntil(timeout: .seconds(30), interval: .milliseconds(300)) {
            let before = try tmux.capture()
            let output = try CLI.run(["cat", rec]).stdout
            let after = try tmux.capture()
            guard before == after else { return false }
            last = (before, try ExternalTool.pyteScreen(output, cols: size.cols, rows: size.rows))
            return last.pane == last.replay
        }
        #expect(same, "pyte draws a different screen from the recording than tmux shows:\n--- tmux\n\(last.pane.joined(separator: "\n"))\n--- pyte\n\(last.replay.joined(separator: "\n"))")

        try scenario.quit(tmux)
        guard tmux.waitForExit() else { return }

        let verify = try CLI.run(["verify", rec])
        #expect(verify.status == 0, "\(verify.text)\(verify.stderr)")
        let recorded = try CLI.run(["cat", rec]).stdout
        let logged = try #require(Self.scriptOutput(Array(try Data(contentsOf: URL(fileURLWithPath: log)))), "unexpected script log format")
        #expect(!recorded.isEmpty)
        if recorded != logged {
            let common = zip(recorded, logged).prefixCount { $0.0 == $0.1 }
            Issue.record("""
                psrec recorded \(recorded.count) bytes, script logged \(logged.count); they differ from offset \(common):
                psrec:  \(Self.excerpt(recorded, at: common))
                script: \(Self.excerpt(logged, at: common))
                """)
        }
    }

    /// The program output in a util-linux 2.38 `script -q --log-out` log.
    ///
    /// `-q` only keeps script's messages off the terminal; the log still gets a header line
    /// and a footer, which script writes itself (term-utils/script.c, raw "typescript" format):
    ///
    ///     Script started on 2026-11-29 09:23:53+00:00 [COMMAND="…" TERM="…" TTY="…" COLUMNS="100" LINES="30"]\n
    ///     …the session's output, byte for byte…
    ///     \nScript done on 2026-11-29 09:23:55+00:00 [COMMAND_EXIT_CODE="0"]\n
    ///
    /// The footer's leading newline is script's own, not the session's. Returns nil when
    /// either is missing.
    static func scriptOutput(_ log: [UInt8]) -> [UInt8]? {
        let header = Array("Script started on ".utf8), footer = Array("\nScript done on ".utf8)
        guard log.starts(with: header), let newline = log.firstIndex(of: 0x0A) else { return nil }
        var end = log.count - footer.count
        while end > newline, !log[end..<(end + footer.count)].elementsEqual(footer) { end -= 1 }
        guard end > newline else { return nil }
        return Array(log[(newline + 1)..<end])
    }

    static func excerpt(_ bytes: [UInt8], at offset: Int) -> String {
        let slice = bytes[max(0, offset - 20)..<min(bytes.count, offset + 40)]
        return slice.map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
    }
}

extension Sequence {
    fileprivate func prefixCount(while predicate: (Element) -> Bool) -> Int {
        var n = 0
        for element in self {
            guard predicate(element) else { break }
            n += 1
        }
        return n
    }
}
