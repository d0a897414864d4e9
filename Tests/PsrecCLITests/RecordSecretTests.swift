import Foundation
import Testing
import PsrecTestSupport

/// No typed secret in a recording made with `--input` (issue 5, "Done when", last point, and
/// issue 11): a shell's `read -s` (also typed ahead of its prompt), a `passwd`-style prompt
/// (Python's `getpass`, which turns echo off on /dev/tty as passwd does), and raw-mode prompts
/// that turn off echo *and* canonical mode (sudo with `pwfeedback`, printing `*` per key; a
/// hand-rolled one printing nothing), in bash driven through tmux. Keys typed into vim, less
/// and top (echo and canonical mode off too) are still recorded.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RecordSecretTests {
    static let canRun = TmuxSession.isAvailable && ExternalTool.has("bash")

    /// A raw-mode password prompt in Python: echo and canonical mode off, one byte read at a
    /// time, `*` printed per key with `feedback` (sudo's pwfeedback). Written to a file in
    /// `dir`; returns the command that runs it.
    static func rawPrompt(_ prompt: String, feedback: Bool, in dir: URL) throws -> String {
        let script = """
            import os, sys, termios
            fd = sys.stdin.fileno(); saved = termios.tcgetattr(fd)
            mode = termios.tcgetattr(fd); mode[3] &= ~(termios.ECHO | termios.ICANON); termios.tcsetattr(fd, termios.TCSANOW, mode)
            os.write(1, b"\(prompt) "); got = b""
            while True:
                c = os.read(fd, 1)
                if c in (b"\\r", b"\\n"): break
                got += c
                if \(feedback ? "True" : "False"): os.write(1, b"*")
            termios.tcsetattr(fd, termios.TCSANOW, saved); print(); print("got", len(got), "chars")

            """
        let path = dir.appendingPathComponent("prompt.py").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return "python3 \(path)"
    }

    @Test(.enabled(if: canRun, "needs tmux and bash"))
    func readDashSNeverReachesTheFile() throws {
        try check(prompt: "Password:", command: "read -s -p 'Password: ' PW; echo; echo got ${#PW} chars")
    }

    @Test(.enabled(if: canRun && ExternalTool.has("python3"), "needs tmux, bash and python3"))
    func getpassNeverReachesTheFile() throws {
        try check(prompt: "Secret for getpass:", command: "python3 -c 'import getpass; s = getpass.getpass(\"Secret for getpass: \"); print(\"got\", len(s), \"chars\")'")
    }

    /// In the C locale readline redraws a command line that wraps at the right margin (a
    /// character, CR, the character again); the 104-character command must still be taken
    /// for what it is, ordinary typing, and recorded.
    @Test(.enabled(if: canRun && ExternalTool.has("python3"), "needs tmux, bash and python3"))
    func getpassAfterAWrappedCommandLineInTheCLocale() throws {
        try check(prompt: "Secret for getpass:", command: "python3 -c 'import getpass; s = getpass.getpass(\"Secret for getpass: \"); print(\"got\", len(s), \"chars\")'",
                  locale: "C")
    }

    @Test(.enabled(if: canRun && ExternalTool.has("python3"), "needs tmux, bash and python3"))
    func aRawPromptWithStarFeedbackNeverReachesTheFile() throws {
        try check(prompt: "Raw secret:", command: { try Self.rawPrompt("Raw secret:", feedback: true, in: $0) }, perKey: true,
                  shownInstead: String(repeating: "*", count: 20))
    }

    @Test(.enabled(if: canRun && ExternalTool.has("python3"), "needs tmux, bash and python3"))
    func aSilentRawPromptNeverReachesTheFile() throws {
        try check(prompt: "Silent secret:", command: { try Self.rawPrompt("Silent secret:", feedback: false, in: $0) })
    }

    /// The real thing: sudo with `pwfeedback` asks an unprivileged user for their password
    /// (echo and canonical mode off, a `*` per key).
    @Test(.enabled(if: canRun && getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo")
                   && ExternalTool.has("useradd", "groupadd", "usermod", "chpasswd", "visudo"),
                   "needs tmux, bash, root, sudo, useradd, groupadd, usermod, chpasswd and visudo"))
    func sudoWithPwfeedbackNeverReachesTheFile() throws {
        try RecordGatewayTests.ensureAccount()
        let user = RecordGatewayTests.user
        let password = "Sup3rS3cret-" + UUID().uuidString.prefix(8).lowercased()
        let set = try ExternalTool.run("chpasswd", [], stdin: Array("\(user):\(password)\n".utf8))
        try #require(set.status == 0, "chpasswd: \(set.stderr)")
        // Back to "no password" (not locked: the gateway test logs in with a key).
        defer { _ = try? ExternalTool.run("usermod", ["-p", "*", user]) }
        let sudoers = "/etc/sudoers.d/psrec-test-\(UUID().uuidString.prefix(8))"
        try """
            Defaults:\(user) pwfeedback, timestamp_timeout=0, lecture=never
            \(user) ALL=(root) /usr/bin/true

            """.write(toFile: sudoers, atomically: false, encoding: .utf8)
        chmod(sudoers, 0o440)
        defer { unlink(sudoers) }
        let checked = try ExternalTool.run("visudo", ["-c", "-f", sudoers])
        try #require(checked.status == 0, "visudo: \(checked.text)\(checked.stderr)")
        try check(prompt: "Sudo password:", command: "sudo -k; sudo -p 'Sudo password: ' /usr/bin/true && echo got $((\(password.count))) chars",
                  perKey: true, secret: password, runAs: user, shownInstead: String(repeating: "*", count: password.count))
    }

    @Test(.enabled(if: canRun, "needs tmux and bash"))
    func aSecretTypedAheadOfReadDashSNeverReachesTheFile() throws {
        try check(prompt: "Password:", command: "read -s -p 'Password: ' PW; echo; echo got ${#PW} chars", typeAhead: true)
    }

    @Test(.enabled(if: canRun && ExternalTool.has("python3"), "needs tmux, bash and python3"))
    func withoutInputNoRedactionTimesAreKept() throws {
        try check(prompt: "Raw secret:", command: { try Self.rawPrompt("Raw secret:", feedback: true, in: $0) }, perKey: true, recordInput: false)
    }

    @Test(.enabled(if: canRun, "needs tmux and bash"))
    func withoutInputAReadDashSSecretLeavesNoTrace() throws {
        try check(prompt: "Password:", command: "read -s -p 'Password: ' PW; echo; echo got ${#PW} chars", perKey: true, recordInput: false)
    }

    /// Runs bash under `psrec record`, types `command`, types a fresh secret at `prompt` (or,
    /// with `typeAhead`, right after the command, before the prompt shows), and checks the
    /// recording: the secret is nowhere, one redaction stands for it (none without input
    /// recording), and ordinary typing is recorded.
    func check(prompt: String, command: String, typeAhead: Bool = false, perKey: Bool = false, recordInput: Bool = true,
               secret: String = "Sup3rS3cret-" + UUID().uuidString.prefix(8).lowercased(), runAs: String? = nil, shownInstead: String? = nil,
               locale: String = "C.UTF-8") throws {
        try check(prompt: prompt, command: { _ in command }, typeAhead: typeAhead, perKey: perKey, recordInput: recordInput, secret: secret,
                  runAs: runAs, shownInstead: shownInstead, locale: locale)
    }

    func check(prompt: String, command makeCommand: (URL) throws -> String, typeAhead: Bool = false, perKey: Bool = false, recordInput: Bool = true,
               secret: String = "Sup3rS3cret-" + UUID().uuidString.prefix(8).lowercased(), runAs: String? = nil, shownInstead: String? = nil,
               locale: String = "C.UTF-8") throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = try makeCommand(dir)
        let rec = dir.appendingPathComponent("secret.psrec").path
        // A session run as another user records into a folder that user cannot enter.
        if runAs != nil { chmod(dir.path, 0o700) }
        let tmux = try TmuxSession(["/usr/bin/env", "LANG=\(locale)", CLI.binary.path, "record"] + (recordInput ? ["--input"] : []) + (runAs.map { ["--run-as", $0] } ?? []) + ["-o", rec, "--",
                                    "env", "PS1=rec$ ", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile", "-i"])
        defer { tmux.close() }
        try tmux.waitFor("rec$")
        try tmux.type(command)
        try tmux.press("Enter")
        if !typeAhead {
            // The command line itself contains the prompt's text; the prompt starts a line.
            try #require(try tmux.waitForScreen("the prompt") { $0.contains { $0.hasPrefix(prompt) } } != nil)
        }
        if perKey {
            // As a person types: one key at a time, each its own read.
            for character in secret {
                try tmux.type(String(character))
                usleep(30_000)
            }
        } else {
            try tmux.type(secret)
        }
        try tmux.press("Enter")
        try tmux.waitFor("got \(secret.count) chars")
        try tmux.type("echo done")
        try tmux.press("Enter")
        try tmux.waitForScreen("done") { $0.contains("done") }
        try tmux.type("exit")
        try tmux.press("Enter")
        #expect(tmux.waitForExit())

        #expect(try CLI.run(["verify", rec]).status == 0)
        let needle = Array(secret.utf8)
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: rec)))
        let inFile = Self.contains(raw, needle)
        #expect(!inFile, "the secret is in the file's bytes")
        let output = try CLI.run(["cat", rec]).stdout
        let inOutput = Self.contains(output, needle), promptShown = Self.contains(output, Array(prompt.utf8))
        #expect(!inOutput, "the secret is in the recorded output")
        #expect(promptShown)
        if let shownInstead {
            // The prompt really is the feedback kind: a star per key.
            let starred = Self.contains(output, Array(shownInstead.utf8))
            #expect(starred, "the prompt's feedback is not in the recorded output")
        }
        let events = try CLI.run(["events", "--json", rec])
        #expect(events.status == 0)
        let inEvents = events.text.contains(secret)
        #expect(!inEvents, "the secret is in the decoded events")
        // Nothing of the secret is kept, not even a fragment split across reads.
        let fragment = events.text.contains("Sup3r") || events.text.contains("S3cret")
        #expect(!fragment, "a fragment of the secret is in the decoded events")
        let lines = events.text.split(separator: "\n")
        let redacted = lines.filter { $0.contains("\"type\":\"redacted-input\"") }
        let commands = lines.filter { $0.contains("\"type\":\"command\"") }
        if recordInput {
            // Input is recorded, but the part typed at the prompt is withheld: one redaction
            // for the whole secret, not one per key (their times would give away its rhythm).
            let inputRecorded = events.text.contains("\"type\":\"input\"") && events.text.contains("echo done")
            #expect(inputRecorded, "typed input outside the prompt is recorded with --input")
            #expect(redacted.count == 1, "redactions: \(redacted)")
            #expect(commands.contains { $0.contains("echo done") }, "\(commands)")
        } else {
            // No input, no redaction: neither the secret's length nor its keys' times.
            #expect(redacted.isEmpty, "redactions without --input: \(redacted)")
            #expect(!events.text.contains("\"type\":\"input\""))
            // The command indicators are still there: the command, echo done and exit; none for the secret.
            #expect(commands.count == 3, "\(commands)")
        }
    }

    /// vim, less and top also turn echo and canonical mode off; what is typed into them is
    /// not a secret and is recorded with `--input` (they are full-screen: alternate screen or
    /// application keys).
    @Test(.enabled(if: canRun && ExternalTool.has("vim", "less", "top"), "needs tmux, bash, vim, less and top"),
          arguments: ["vim", "less", "top"])
    func keysTypedIntoFullScreenProgramsAreRecorded(program: String) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("\(program).psrec").path
        try (1...300).map { "line \($0) of the file" }.joined(separator: "\n").write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let argv: [String]
        let keys: [String]
        switch program {
        case "vim": argv = ["vim", "-u", "NONE", "-i", "NONE", "-N", "-n", "notes.txt"]; keys = ["ihello-from-vim", "Escape", ":q!", "Enter"]
        case "less": argv = ["env", "-u", "LESSOPEN", "-u", "LESSCLOSE", "-u", "LESS", "less", "notes.txt"]; keys = ["/line 250", "Enter", "q"]
        default: argv = ["top", "-d", "60"]; keys = ["u", "nobody", "Enter", "q"]
        }
        let tmux = try TmuxSession([CLI.binary.path, "record", "--input", "-o", rec, "--"] + argv, directory: dir.path)
        defer { tmux.close() }
        try tmux.waitForScreen("\(program)'s screen") { $0.contains { $0.contains("line 1 of the file") || $0.contains("load average") } }
        for key in keys {
            if key == "Enter" || key == "Escape" { try tmux.press(key) } else { try tmux.type(key) }
            usleep(300_000)
        }
        #expect(tmux.waitForExit())
        let events = try CLI.run(["events", "--json", rec]).text.split(separator: "\n")
        #expect(!events.contains { $0.contains("\"type\":\"redacted-input\"") }, "keys typed into \(program) were redacted")
        let typed = try events.filter { $0.contains("\"type\":\"input\"") }.map { line -> String in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return object["data"] as? String ?? ""
        }.joined()
        let expected = keys.map { $0 == "Enter" ? "\r" : $0 == "Escape" ? "\u{1B}" : $0 }.joined()
        // The terminal's own answers (cursor position reports to vim) come in on input too.
        #expect(typed.contains(expected), "input recorded from \(program): \(typed.debugDescription)")
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
