public import PsrecFormat
import SystemPackage
internal import CPty
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command under a pseudo-terminal, passes everything through transparently and
/// records output, resizes, indicators and the exit status as the session runs.
///
/// The loop polls the user's terminal, the pty master and a signal pipe, with a timer that
/// closes a chunk at least every second (`RecordingWriter.flushIfDue`), so the file on disk
/// is always a playable recording.
public final class SessionRecorder {
    /// What to run and how.
    public struct Configuration: Sendable {
        /// Program and arguments (argv[0] is searched in PATH).
        public var command: [String]
        /// Environment of the session (`NAME=value`).
        public var environment: [String]
        /// Record typed bytes (never at password prompts).
        public var recordInput: Bool
        /// Size used when the user's side is not a terminal.
        public var fallbackSize: (cols: Int, rows: Int)
        /// The account the session runs as, when not this process's (which must be root).
        public var account: SessionAccount?

        public init(command: [String], environment: [String], recordInput: Bool, fallbackSize: (cols: Int, rows: Int) = (80, 24),
                    account: SessionAccount? = nil) {
            self.command = command
            self.environment = environment
            self.recordInput = recordInput
            self.fallbackSize = fallbackSize
            self.account = account
        }
    }

    /// How the session ended.
    public struct Outcome: Sendable {
        /// Exit status to pass on: the child's code, or 128 + signal.
        public var exitStatus: Int32
        /// The write error that stopped recording, if any (the session itself went on).
        public var recordingError: FormatError?
    }

    let configuration: Configuration
    let writer: RecordingWriter
    let clock = ContinuousClock()
    let start: ContinuousClock.Instant
    var interpreter: InputInterpreter
    var detector = SecretDetector()
    var recordingError: FormatError?

    /// Prepares a recorder writing through `writer`.
    public init(configuration: Configuration, writer: RecordingWriter) {
        self.configuration = configuration
        self.writer = writer
        self.start = ContinuousClock.now
        self.interpreter = InputInterpreter(recordText: configuration.recordInput)
    }

    /// Initial terminal size: the user's terminal, else the fallback.
    public static func initialSize(fallback: (cols: Int, rows: Int)) -> (cols: Int, rows: Int) {
        if let size = TerminalMode.size(0) ?? TerminalMode.size(1) { return (Int(size.ws_col), Int(size.ws_row)) }
        return fallback
    }

    var now: Int64 {
        let elapsed = ContinuousClock.now - start
        return max(writer.lastEventMicros, elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)
    }

    /// Records what typed bytes mean (input, redaction, indicators), once it is decided
    /// whether they are a secret.
    func record(_ decisions: [SecretDetector.Decision]) {
        for decision in decisions {
            for event in interpreter.interpret(decision.bytes, secret: decision.secret) { record(event) }
        }
    }

    /// Records an event unless recording already failed; the session goes on regardless.
    func record(_ event: Event) {
        guard recordingError == nil else { return }
        do { try writer.append(event, atMicros: now) } catch { recordingError = error }
    }

    /// Records output straight from the read buffer (`RecordingWriter.appendOutput`: the
    /// same file as `record(.output(Array(bytes)))`, without an array per read).
    func recordOutput(_ bytes: UnsafeRawBufferPointer) {
        guard recordingError == nil else { return }
        do { try writer.appendOutput(bytes, atMicros: now) } catch { recordingError = error }
    }

    /// Runs the session to its end and closes the recording.
    /// - Throws: only when the session cannot start (no pty, command not found).
    public func run() throws -> Outcome {
        let userSize = TerminalMode.size(0) ?? TerminalMode.size(1)
        var size = userSize ?? winsize(ws_row: UInt16(configuration.fallbackSize.rows), ws_col: UInt16(configuration.fallbackSize.cols), ws_xpixel: 0, ws_ypixel: 0)
        let pty = try PseudoTerminal(size: size, modes: TerminalMode.current(0))
        SignalPipe.install([SIGWINCH, SIGCHLD, SIGTERM, SIGHUP, SIGINT, SIGQUIT])
        signal(SIGPIPE, SIG_IGN)
        try pty.spawn(configuration.command, environment: configuration.environment, account: configuration.account)
        let terminal = TerminalMode(fd: 0)
        terminal.makeRaw()
        defer { terminal.restore() }

        var stdinOpen = true
        var childStatus: Int32?
        var drainDeadline: ContinuousClock.Instant?
        var hangupSent: ContinuousClock.Instant?
        // One buffer for every read: output is passed on, recorded and interpreted from it.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        var masterOpen = true
        // waitpid only when the child may have changed: on SIGCHLD, on a quiet poll, at the
        // start (not once per read: that was a system call per 4 KiB of output).
        var reapDue = true

        // Filled anew on every turn, allocated once.
        var fds = [pollfd](repeating: pollfd(), count: 3)
        loop: while masterOpen {
            fds[0] = pollfd(fd: pty.master, events: Int16(POLLIN), revents: 0)
            fds[1] = pollfd(fd: SignalPipe.readEnd, events: Int16(POLLIN), revents: 0)
            fds[2] = pollfd(fd: stdinOpen && childStatus == nil ? 0 : -1, events: Int16(POLLIN), revents: 0)
            // Typed bytes waiting for their echo are decided within a few tens of milliseconds of their time.
            let ready = poll(&fds, nfds_t(fds.count), detector.isHolding ? 20 : 200)
            if ready < 0 && errno != EINTR { break }
            if ready == 0 { reapDue = true }

            if fds[1].revents & Int16(POLLIN) != 0 {
                for signal in SignalPipe.drain() {
                    switch signal {
                    case SIGWINCH:
                        if let newSize = TerminalMode.size(0) ?? TerminalMode.size(1), newSize.ws_col != size.ws_col || newSize.ws_row != size.ws_row {
                            size = newSize
                            pty.resize(size)
                            record(.resize(cols: Int(size.ws_col), rows: Int(size.ws_row)))
                        }
                    case SIGCHLD:
                        reapDue = true
                    default:
                        // Terminated from outside (connection dropped): hang up the session,
                        // which ends it; the recording is closed below with its trailer.
                        if hangupSent == nil {
                            kill(-pty.child, SIGHUP)
                            kill(pty.child, SIGHUP)
                            hangupSent = .now
                        }
                    }
                }
            }
            if childStatus == nil && reapDue {
                reapDue = false
                var status: Int32 = 0
                if waitpid(pty.child, &status, WNOHANG) == pty.child {
                    childStatus = status
                    // Output may still be in flight: read until the pty is quiet.
                    drainDeadline = .now + .milliseconds(300)
                }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                let n: Int
                do throws(Errno) {
                    n = try SystemCalls.read(pty.master, into: buffer)
                } catch {
                    n = error == .resourceTemporarilyUnavailable ? -1 : 0
                }
                if n > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<n])
                    _ = SystemCalls.writeAll(1, bytes)
                    recordOutput(bytes)
                    record(detector.output(bytes))
                    if drainDeadline != nil { drainDeadline = .now + .milliseconds(300) }
                } else if n == 0 {
                    masterOpen = false
                }
            }
            if fds[2].revents & Int16(POLLIN | POLLHUP) != 0 {
                let n: Int
                do throws(Errno) {
                    n = try SystemCalls.read(0, into: buffer)
                } catch {
                    // Nothing to read after all (EAGAIN), or our input is gone: treat as its end.
                    n = error == .resourceTemporarilyUnavailable ? -1 : 0
                }
                if n > 0 {
                    let bytes = Array(buffer[..<n])
                    let modes = pty.lineModes
                    writeAll(pty.master, bytes)
                    record(detector.typed(bytes, echo: modes.echo, canonical: modes.canonical, nowMicros: now))
                } else if n == 0 {
                    stdinOpen = false
                    // No terminal on our side and its input ended: pass the end on.
                    if userSize == nil { writeAll(pty.master, [0x04]) }
                }
            }
            record(detector.tick(nowMicros: now))
            if recordingError == nil {
                do { try writer.flushIfDue(nowMicros: now) } catch { recordingError = error }
            }
            if let deadline = drainDeadline, ContinuousClock.now >= deadline { break loop }
            if let sent = hangupSent, childStatus == nil, ContinuousClock.now - sent > .seconds(3) {
                kill(-pty.child, SIGKILL)
                kill(pty.child, SIGKILL)
            }
        }
        if childStatus == nil {
            var status: Int32 = 0
            waitpid(pty.child, &status, 0)
            childStatus = status
        }
        record(detector.settle())
        if let redaction = interpreter.finish() { record(redaction) }
        let status = childStatus ?? 0
        let exitCode: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        record(.exit((status & 0x7F) == 0 ? Int64(exitCode) : -Int64(status & 0x7F)))
        if recordingError == nil {
            do { try writer.close(endMicros: now) } catch { recordingError = error }
        }
        return Outcome(exitStatus: exitCode, recordingError: recordingError)
    }

    func writeAll(_ fd: Int32, _ bytes: [UInt8]) { Self.writeAll(fd, bytes) }

    /// Writes all of `bytes` to `fd` (`SystemCalls.writeAll`: EINTR retried, a full
    /// non-blocking descriptor waited on with `poll(2)`). Stops at any other error (the other
    /// side is gone).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        SystemCalls.writeAll(fd, bytes)
    }
}
