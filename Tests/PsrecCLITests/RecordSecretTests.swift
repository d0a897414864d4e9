import Foundation
import Testing
import PsrecTestSupport

/// No typed secret in a recording made with `--input` (issue 5, "Done when", last point):
/// a shell's `read -s` and a `passwd`-style prompt (Python's `getpass`, which turns echo off
/// on /dev/tty as passwd does) in bash driven through tmux.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RecordSecretTests {
    @Test(.enabled(if: TmuxSession.isAvailable && ExternalTool.has("bash"), "needs tmux and bash"))
    func readDashSNeverReachesTheFile() throws {
        try check(prompt: "Password:", command: "read -s -p 'Password: ' PW; echo; echo got ${#PW} chars")
    }

    @Test(.enabled(if: TmuxSession.isAvailable && ExternalTool.has("bash", "python3"), "needs tmux, bash and python3"))
    func getpassNeverReachesTheFile() throws {
        try check(prompt: "Secret for getpass:", command: "python3 -c 'import getpass; s = getpass.getpass(\"Secret for getpass: \"); print(\"got\", len(s), \"chars\")'")
    }

    /// Types `command`, waits for `prompt`, types a fresh secret and checks the recording.
    func check(prompt: String, command: String) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("secret.psrec").path
        let secret = "Sup3rS3cret-" + UUID().uuidString.prefix(8).lowercased()
        let tmux = try TmuxSession([CLI.binary.path, "record", "--input", "-o", rec, "--",
                                    "env", "PS1=rec$ ", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile", "-i"])
        defer { tmux.close() }
        try tmux.waitFor("rec$")
        try tmux.type(command)
        try tmux.press("Enter")
        // Typeahead before the prompt cannot be known to be secret (echo is still on), so the
        // secret is typed only once the prompt shows, as a person would. bash's `read -s` and
        // getpass both switch echo off before they print the prompt, so no wait beyond it.
        // The command line itself contains the prompt's text; the prompt starts a line.
        try #require(try tmux.waitForScreen("the prompt") { $0.contains { $0.hasPrefix(prompt) } } != nil)
        try tmux.type(secret)
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
        let events = try CLI.run(["events", "--json", rec])
        #expect(events.status == 0)
        let inEvents = events.text.contains(secret)
        #expect(!inEvents, "the secret is in the decoded events")
        // Input is recorded, but the part typed at the prompt is withheld.
        let inputRecorded = events.text.contains("\"type\":\"input\"") && events.text.contains("echo done")
        #expect(inputRecorded, "typed input outside the prompt is recorded with --input")
        let redacted = events.text.split(separator: "\n").filter { $0.contains("\"type\":\"redacted-input\"") }
        #expect(!redacted.isEmpty, "no redacted-input event")
        // Nothing of the secret is kept, not even a fragment split across reads.
        let fragment = events.text.contains("Sup3r") || events.text.contains("S3cret")
        #expect(!fragment, "a fragment of the secret is in the decoded events")
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
