import Foundation
import Testing
import PsrecTestSupport

/// `psrec record` as a real sshd's `ForceCommand` (issue 5, "Done when", second point): a
/// key login runs commands, and the recording appears with the session's metadata from the
/// SSH environment and one keyboard-command indicator per command.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RecordSSHTests {
    static let canRun = LocalSSHServer.isAvailable && TmuxSession.isAvailable

    struct Setup {
        let server: LocalSSHServer
        let recordings: URL

        init() throws {
            let recordings = CLI.tempDir()
            server = try LocalSSHServer(forceCommand: "\(CLI.binary.path) record --dir \(recordings.path) --app ssh-test --input")
            self.recordings = recordings
        }

        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: recordings.path)) ?? [])
                .filter { $0.hasSuffix(".psrec") }.map { recordings.appendingPathComponent($0).path }
        }

        func stop() {
            server.stop()
            try? FileManager.default.removeItem(at: recordings)
        }
    }

    @Test(.enabled(if: canRun, "needs /usr/sbin/sshd, ssh, ssh-keygen, tmux and root"))
    func anInteractiveLoginIsRecordedWithItsCommands() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let tmux = try TmuxSession(["ssh"] + setup.server.sshArguments(["-tt"]))
        defer { tmux.close() }

        // The login shell's prompt, whatever it looks like, ends in "#" for root.
        let prompt = try tmux.waitForScreen("the remote shell's prompt") { $0.last?.hasSuffix("#") == true || $0.last?.hasSuffix("$") == true }
        try #require(prompt != nil, "sshd log:\n\(setup.server.log)")
        #expect(setup.files().count == 1)

        try tmux.type("echo one")
        try tmux.press("Enter")
        try tmux.waitForScreen("echo's output") { $0.contains("one") }
        try tmux.type("pwd")
        try tmux.press("Enter")
        try tmux.waitForScreen("pwd's output") { $0.contains { $0.hasPrefix("/") && !$0.contains(" ") } }
        try tmux.type("exit")
        try tmux.press("Enter")
        #expect(tmux.waitForExit())

        let files = setup.files()
        try #require(files.count == 1, "recordings: \(files)")
        let rec = files[0]
        // psrec closes the file before it exits, and sshd ends the connection after that.
        #expect(ExternalTool.waitUntil(timeout: .seconds(20)) { (try? CLI.run(["verify", "--quiet", rec]).status) == 0 })

        let metadata = try Self.metadata(rec)
        #expect(metadata["user"] as? String == "root")
        #expect(metadata["remote_address"] as? String == "127.0.0.1")
        #expect(metadata["application"] as? String == "ssh-test")
        #expect(metadata["protocol"] as? String == "ssh")
        let extra = metadata["extra"] as? [String: String] ?? [:]
        #expect(extra["ssh_server_address"] == "127.0.0.1")
        #expect(extra["ssh_server_port"] == "\(setup.server.port)")

        let commands = try Self.events(rec).filter { $0["type"] as? String == "command" }.compactMap { $0["text"] as? String }
        #expect(commands == ["echo one", "pwd", "exit"])
        let info = try Self.json(try CLI.run(["info", "--json", rec]).stdout)
        #expect((info["indicators"] as? [String: Int])?["command"] == 3, "indicators: \(info["indicators"] ?? "none")")
        let output = try CLI.run(["cat", rec]).text
        #expect(output.contains("one\r\n"))
    }

    @Test(.enabled(if: LocalSSHServer.isAvailable, "needs /usr/sbin/sshd, ssh, ssh-keygen and root"))
    func aRequestedCommandIsRecordedAsTheSessionsCommand() throws {
        let setup = try Setup()
        defer { setup.stop() }
        let result = try ExternalTool.run("ssh", setup.server.sshArguments() + ["echo via-ssh-command"], timeout: .seconds(60))
        #expect(result.status == 0, "ssh: \(result.stderr)\nsshd log:\n\(setup.server.log)")
        #expect(result.text.contains("via-ssh-command"))

        let files = setup.files()
        try #require(files.count == 1, "recordings: \(files)")
        let rec = files[0]
        #expect(ExternalTool.waitUntil(timeout: .seconds(20)) { (try? CLI.run(["verify", "--quiet", rec]).status) == 0 })
        let metadata = try Self.metadata(rec)
        #expect(metadata["command"] as? String == "echo via-ssh-command")
        #expect(metadata["user"] as? String == "root")
        #expect(metadata["remote_address"] as? String == "127.0.0.1")
        #expect(metadata["application"] as? String == "ssh-test")
        #expect(try CLI.run(["cat", rec]).text.contains("via-ssh-command"))
        let exits = try Self.events(rec).filter { $0["type"] as? String == "exit" }
        #expect(exits.count == 1 && exits.first?["status"] as? Int == 0)
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func metadata(_ path: String) throws -> [String: Any] {
        let info = try CLI.run(["info", "--json", path])
        return try #require(try json(info.stdout)["metadata"] as? [String: Any], "info: \(info.text)\(info.stderr)")
    }

    static func events(_ path: String) throws -> [[String: Any]] {
        try CLI.run(["events", "--json", path]).text.split(separator: "\n").map { try json(Array($0.utf8)) }
    }
}
