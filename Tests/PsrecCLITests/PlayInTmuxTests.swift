import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

enum TmuxBinary {
    static let path: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// `psrec play` in a real terminal: a detached tmux session, keys sent with `send-keys`,
/// the screen read with `capture-pane` and the status with the pane title.
@Suite(.enabled(if: TmuxBinary.path != nil, "tmux is not installed"))
struct PlayInTmuxTests {

    final class Session {
        let socket = "psrec-play-\(UUID().uuidString.prefix(8))"
        /// Runs a tmux command and returns its stdout.
        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TmuxBinary.path!)
            process.arguments = ["-L", socket, "-f", "/dev/null"] + arguments
            process.standardError = FileHandle.nullDevice
            process.standardInput = FileHandle.nullDevice
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }

        /// Starts the session with posix_spawn: the tmux server keeps every descriptor it
        /// inherits, and Foundation's `Process` waits until the ones it made are closed, so a
        /// `new-session` run through it would only return when the server exits.
        func start(_ command: String) throws {
            let argv = [TmuxBinary.path!, "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "play", "-x", "80", "-y", "24", command]
            var cArgs = argv.map { strdup($0) } + [nil]
            defer { for p in cArgs { free(p) } }
            // The test runner blocks and ignores signals; tmux and the player must start clean.
            var attributes = posix_spawnattr_t()
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            var none = sigset_t(), all = sigset_t()
            sigemptyset(&none)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            // Nor may the server keep descriptors of other tests (pipes they read to the end).
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            Spawn.closeFrom(&actions, 3)
            var pid: pid_t = 0
            let rc = posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, environ)
            guard rc == 0 else { throw CocoaError(.executableLoad) }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }

        func screen() throws -> String { try run(["capture-pane", "-p", "-t", "play"]) }
        func title() throws -> String { try run(["display-message", "-p", "-t", "play", "#{pane_title}"]) }
        func keys(_ keys: String) throws { _ = try run(["send-keys", "-t", "play", "-l", keys]) }
        /// Polls until `condition` holds (10 s at most).
        func waitFor(_ what: String, _ condition: () throws -> Bool) throws {
            for _ in 0..<200 {
                if try condition() { return }
                usleep(50_000)
            }
            Issue.record("timed out waiting for \(what); screen:\n\(try screen())\ntitle: \(try title())")
        }
        func kill() { _ = try? run(["kill-server"]) }
    }

    @Test func keysPauseJumpAndQuitAndTheTerminalIsRestored() throws {
        let dir = CLI.tempDir()
        let path = dir.appendingPathComponent("session.psrec").path
        let writer = try RecordingWriter(path: path, metadata: RecordingMetadata(startUnixMicros: 0, user: "alice"))
        try writer.append(.resize(cols: 80, rows: 24), atMicros: 0)
        try writer.append(.output(Array("hello\r\n".utf8)), atMicros: 1_000)
        try writer.append(.marker("first"), atMicros: 2_000_000)
        try writer.append(.output(Array("after first\r\n".utf8)), atMicros: 2_000_100)
        try writer.append(.output(Array("late\r\n".utf8)), atMicros: 60_000_000)
        try writer.append(.command("second\u{1B}]2;x"), atMicros: 61_000_000)
        try writer.append(.output(Array("the end\r\n".utf8)), atMicros: 62_000_000)
        try writer.close()

        let session = Session()
        defer { session.kill() }
        let command = "\(CLI.binary.path) play \(path); echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -- '-\\?icanon'; read line"
        try session.start(command)
        try session.waitFor("hello") { try session.screen().contains("hello") }
        try session.waitFor("a status in the title") { try session.title().hasPrefix("psrec playing") }
        #expect(!(try session.screen().contains("psrec")))

        try session.keys(" ")
        try session.waitFor("pause") { try session.title().hasPrefix("psrec paused") }
        try session.keys("]")   // "first" at 0:02
        try session.keys("]")   // "second" at 1:01
        try session.waitFor("the jump to the second indicator") { try session.screen().contains("late") }
        #expect(!(try session.screen().contains("the end")))
        try session.waitFor("the status at 1:01") { try session.title().contains("1:01") }
        #expect(try session.title().contains("no further indicator"))

        try session.keys("[")   // back to "first": rebuilt from the start
        try session.waitFor("the jump back") { try !session.screen().contains("late") }
        let back = try session.screen()
        #expect(back.contains("hello"))
        #expect(!back.contains("after first"))
        #expect(try session.title().contains("next command at 1:01: second\\x1b]2;x"))

        try session.keys("q")
        try session.waitFor("exit") { try session.screen().contains("EXIT=0") }
        // stty prints after the exit line: wait for it ("-icanon" would mean raw mode was left on).
        try session.waitFor("the terminal mode after play") { try session.screen().contains("icanon") }
        let after = try session.screen()
        #expect(after.contains("\nicanon") || after.hasPrefix("icanon"), "terminal left in raw mode:\n\(after)")
    }
}
