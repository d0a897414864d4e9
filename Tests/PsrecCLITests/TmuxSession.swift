import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A detached tmux session on a private server (its own `-S` socket in a temporary folder,
/// so tests never touch anyone else's tmux, and nothing is left behind: tmux 3.3 does not
/// remove its socket on `kill-server`), running one command in one pane: a person at a real
/// terminal.
///
/// The pane runs the command directly (several arguments: tmux executes them without a
/// shell), so `panePID` is the command itself. `remain-on-exit` keeps a finished pane around
/// to ask whether it is dead; the status line is off, so the pane is exactly `cols`×`rows`.
final class TmuxSession {
    let folder: URL
    let socketPath: String
    let configPath: String
    let cols: Int
    let rows: Int

    static var isAvailable: Bool { ExternalTool.has("tmux") }

    init(_ command: [String], cols: Int = 100, rows: Int = 30, directory: String? = nil) throws {
        self.cols = cols
        self.rows = rows
        // Short: a socket path must fit in sun_path (108 bytes).
        folder = URL(fileURLWithPath: "/tmp/psrec-tmux-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        socketPath = folder.appendingPathComponent("socket").path
        configPath = folder.appendingPathComponent("tmux.conf").path
        try "set -g status off\nset -g remain-on-exit on\nset -g history-limit 100\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        var arguments = ["new-session", "-d", "-x", "\(cols)", "-y", "\(rows)", "-s", "rec"]
        if let directory { arguments += ["-c", directory] }
        let result = try tmux(arguments + command)
        guard result.status == 0 else { throw ExternalTool.ToolError(message: "tmux new-session failed: \(result.stderr)") }
    }

    deinit { close() }

    /// Stops the private tmux server and everything still running in it.
    func close() {
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(at: folder)
    }

    @discardableResult
    func tmux(_ arguments: [String]) throws -> ExternalTool.Result {
        var environment = ProcessInfo.processInfo.environment
        environment["TMUX"] = nil
        return try ExternalTool.run("tmux", ["-S", socketPath, "-f", configPath] + arguments, environment: environment, timeout: .seconds(60))
    }

    /// Types `text` literally, as a person would.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "rec", "-l", text])
    }

    /// Presses keys by tmux name (`Enter`, `Escape`, `C-c`, `Space`…).
    func press(_ keys: String...) throws {
        try tmux(["send-keys", "-t", "rec"] + keys)
    }

    /// The pane's text lines, trailing spaces removed, trailing empty lines dropped.
    func capture() throws -> [String] {
        ExternalTool.normalizedLines(try tmux(["capture-pane", "-p", "-t", "rec"]).text)
    }

    /// Waits until the pane shows a screen satisfying `condition`; returns it, or records an
    /// issue with the last screen seen and returns nil.
    @discardableResult
    func waitForScreen(_ what: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                       _ condition: ([String]) -> Bool) throws -> [String]? {
        var last: [String] = []
        let found = try ExternalTool.waitUntil(timeout: timeout) {
            last = try capture()
            return condition(last)
        }
        if found { return last }
        Issue.record("Timed out waiting for \(what); the pane shows:\n\(last.joined(separator: "\n"))", sourceLocation: sourceLocation)
        return nil
    }

    /// Waits until some line of the pane contains `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool {
        try waitForScreen("\"\(text)\"", timeout: timeout, sourceLocation: sourceLocation) { $0.contains { $0.contains(text) } } != nil
    }

    private func display(_ format: String) throws -> String {
        try tmux(["display-message", "-p", "-t", "rec", format]).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The process running in the pane (the command given to `init`).
    var panePID: pid_t? { (try? display("#{pane_pid}")).flatMap { pid_t($0) } }

    /// True once the pane's command has exited.
    var isDead: Bool { (try? display("#{pane_dead}")) == "1" }

    /// The pane's size as tmux reports it.
    var paneSize: (cols: Int, rows: Int)? {
        guard let parts = try? display("#{pane_width} #{pane_height}").split(separator: " "), parts.count == 2,
              let c = Int(parts[0]), let r = Int(parts[1]) else { return nil }
        return (c, r)
    }

    /// Waits for the pane's command to exit.
    @discardableResult
    func waitForExit(timeout: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let done = ExternalTool.waitUntil(timeout: timeout) { isDead }
        if !done { Issue.record("Timed out waiting for the pane's command to exit", sourceLocation: sourceLocation) }
        return done
    }
}
