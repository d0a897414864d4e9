import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import PsrecTestSupport
#endif

/// Killing `psrec record` mid-session (issue 5, "Done when", third point): the file it
/// leaves verifies as truncated and plays, with everything up to its last chunk.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RecordKillTests {
    @Test(.enabled(if: TmuxSession.isAvailable, "needs tmux"))
    func aKilledRecorderLeavesATruncatedPlayableFile() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("killed.psrec").path
        let loop = "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.05; done"
        // tmux runs psrec directly (no shell between), so the pane's process is psrec itself.
        let tmux = try TmuxSession([CLI.binary.path, "record", "-o", rec, "--", "sh", "-c", loop])
        defer { tmux.close() }
        let pid = try #require(tmux.panePID)
        let started = ContinuousClock.now
        try tmux.waitFor("line 3")
        ExternalTool.sleep(for: .milliseconds(2500) - (ContinuousClock.now - started))

        // Everything the pane showed a while before the kill was read by psrec then; a chunk
        // closes at most a second after its first event, so it must be in the file.
        let shown = try tmux.capture().compactMap(Self.lineNumber).max() ?? 0
        ExternalTool.sleep(for: .milliseconds(1500))
        #expect(kill(pid, SIGKILL) == 0)
        #expect(ExternalTool.waitUntil(timeout: .seconds(10)) { tmux.isDead })

        let verify = try CLI.run(["verify", rec])
        #expect(verify.status == 1, "verify: \(verify.text)\(verify.stderr)")
        #expect(verify.text.contains("truncated"))
        let cat = try CLI.run(["cat", rec])
        #expect(cat.status == 1)

        // The played output is a prefix of the session: "line 1", "line 2", … with nothing
        // missing, and at most a partial line at the cut.
        var lines = cat.text.components(separatedBy: "\r\n")
        let tail = lines.removeLast()
        #expect(lines.count >= 1)
        for (index, line) in lines.enumerated() where line != "line \(index + 1)" {
            Issue.record("Line \(index + 1) of the played output is \(line.debugDescription)")
            break
        }
        #expect("line \(lines.count + 1)".hasPrefix(tail), "the cut leaves \(tail.debugDescription)")
        #expect(shown > 0)
        #expect(lines.count >= shown, "the pane showed line \(shown) 1.5 s before the kill; the file has \(lines.count) lines")

        let events = try CLI.run(["events", rec])
        #expect(!events.text.contains(" exit "), "a killed recorder cannot have recorded an exit status")
    }

    /// SIGTERM (a gateway ending a dropped connection) hangs up the session and closes the
    /// file complete, with the exit status. psrec is started with Foundation's `Process`,
    /// which passes on the test thread's signal mask, SIGTERM and SIGHUP blocked: the
    /// recorder must unblock the signals it handles.
    @Test func aTerminatedRecorderHangsUpTheSessionAndClosesTheFile() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("terminated.psrec").path
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["record", "-o", rec, "--", "/bin/sh", "-c", "echo started; exec /bin/sleep 600"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(ExternalTool.waitUntil(timeout: .seconds(30)) { (try? CLI.run(["cat", rec]).text.contains("started")) == true })

        kill(process.processIdentifier, SIGTERM)
        let ended = ExternalTool.waitUntil(timeout: .seconds(20)) { !process.isRunning }
        #expect(ended, "psrec went on after SIGTERM")
        guard ended else { return }
        #expect(process.terminationStatus == 128 + SIGHUP)
        #expect(try CLI.run(["verify", "--quiet", rec]).status == 0)
        #expect(try CLI.run(["events", rec]).text.contains(" exit status=-\(SIGHUP)"))
    }

    static func lineNumber(_ text: String) -> Int? {
        text.hasPrefix("line ") ? Int(text.dropFirst(5)) : nil
    }
}
