import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Real programs the recording tests drive (tmux, script, sshd, python3 with pyte, vim…):
/// finding them, running them with a deadline, and waiting for conditions by polling.
enum ExternalTool {
    struct Result {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var timedOut: Bool
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The executable `name` in PATH (or the absolute path itself), if present.
    static func path(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in (path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]) {
            let candidate = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func has(_ names: String...) -> Bool { names.allSatisfy { path($0) != nil } }

    /// python3 with the pyte terminal emulator importable.
    static let hasPyte: Bool = {
        guard let python = path("python3") else { return false }
        return (try? run(python, ["-c", "import pyte"], timeout: .seconds(60)).status) == 0
    }()

    /// Runs `executable` with `arguments` to its end, feeding it `stdin` (else /dev/null);
    /// kills it (SIGKILL) when `timeout` passes. Output left in a pipe held open by a
    /// daemonized grandchild is read for at most 5 s after the child exits.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                    environment: [String: String]? = nil, timeout: Duration = .seconds(120)) throws -> Result {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0], inPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw ToolError(message: "pipe failed") }
        guard pipe(&errPipe) == 0 else { throw ToolError(message: "pipe failed") }
        if stdin != nil { guard pipe(&inPipe) == 0 else { throw ToolError(message: "pipe failed") } }
        let null = open("/dev/null", O_RDWR)
        let parentEnds = [outPipe[0], errPipe[0], inPipe[1]].filter { $0 >= 0 }
        for fd in parentEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable, arguments, environment: environment,
                                     stdin: stdin == nil ? null : inPipe[0], stdout: outPipe[1], stderr: errPipe[1])
        } catch {
            for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1], inPipe[0], inPipe[1], null] where fd >= 0 { close(fd) }
            throw error
        }
        for fd in [outPipe[1], errPipe[1], inPipe[0], null] where fd >= 0 { close(fd) }
        if inPipe[1] >= 0 { _ = fcntl(inPipe[1], F_SETFL, fcntl(inPipe[1], F_GETFL) | O_NONBLOCK) }

        var out: [UInt8] = [], err: [UInt8] = []
        var readers = [outPipe[0], errPipe[0]]
        var writer = inPipe[1]
        var pending = stdin ?? []
        if writer >= 0 && pending.isEmpty { close(writer); writer = -1 }
        let deadline = ContinuousClock.now + timeout
        var exitedAt: ContinuousClock.Instant?
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        while readers.contains(where: { $0 >= 0 }) {
            if exitedAt == nil, child.status != nil { exitedAt = .now }
            if let exitedAt, ContinuousClock.now - exitedAt > .seconds(5) { break }
            if ContinuousClock.now >= deadline {
                timedOut = true
                child.signal(SIGKILL)
                break
            }
            var fds = readers.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0))
            _ = poll(&fds, nfds_t(fds.count), 100)
            for (index, fd) in readers.enumerated() where fd >= 0 && fds[index].revents != 0 {
                let n = read(fd, &buffer, buffer.count)
                if n > 0 {
                    if index == 0 { out += buffer[0..<n] } else { err += buffer[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fd)
                    readers[index] = -1
                }
            }
            if writer >= 0, fds[2].revents != 0 {
                let n = pending.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) }
                if n > 0 { pending.removeFirst(n) }
                if pending.isEmpty || (n < 0 && errno != EAGAIN && errno != EINTR) {
                    close(writer)
                    writer = -1
                }
            }
        }
        for fd in readers where fd >= 0 { close(fd) }
        if writer >= 0 { close(writer) }
        let remaining = deadline - ContinuousClock.now
        var status = child.wait(timeout: remaining > .zero ? remaining : .zero)
        if status == nil {
            timedOut = true
            child.signal(SIGKILL)
            status = child.wait(timeout: .seconds(10))
        }
        return Result(status: status ?? -1, stdout: out, stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut)
    }

    /// Polls `condition` every `interval` until it holds or `timeout` passes; true if it held.
    /// Waiting for a state, never for a fixed time, keeps tests fast and robust on busy machines.
    static func waitUntil(timeout: Duration, interval: Duration = .milliseconds(100), _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if try condition() { return true }
            if ContinuousClock.now >= deadline { return false }
            sleep(for: interval)
        }
    }

    static func sleep(for duration: Duration) {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        usleep(UInt32(max(0, micros)))
    }

    /// `text` quoted for a POSIX shell.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The screen that `bytes` draw in pyte, an independent terminal emulator: `rows` lines,
    /// trailing spaces removed, trailing empty lines dropped (as `tmux capture-pane -p` prints).
    static func pyteScreen(_ bytes: [UInt8], cols: Int, rows: Int) throws -> [String] {
        let result = try run("python3", ["-c", pyteReplay, "\(cols)", "\(rows)"], stdin: bytes)
        guard result.status == 0 else { throw ToolError(message: "pyte replay failed: \(result.stderr)") }
        return normalizedLines(result.text)
    }

    /// Feeds standard input to a `pyte.Screen(COLS, ROWS)` through a `ByteStream` (UTF-8
    /// decoded incrementally, as a terminal does) and prints the screen's lines. Kept inline:
    /// a script file in the test target's folder would be an unhandled SwiftPM resource.
    static let pyteReplay = """
        import sys, pyte
        screen = pyte.Screen(int(sys.argv[1]), int(sys.argv[2]))
        pyte.ByteStream(screen).feed(sys.stdin.buffer.read())
        sys.stdout.buffer.write("".join(line.rstrip() + "\\n" for line in screen.display).encode("utf-8"))
        """

    /// Lines with trailing spaces removed and trailing empty lines dropped.
    static func normalizedLines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var s = Substring(line)
            while let last = s.last, last == " " { s = s.dropLast() }
            return String(s)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    struct ToolError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
