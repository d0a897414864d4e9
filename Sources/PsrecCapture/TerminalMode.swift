#if canImport(Glibc)
import Glibc
internal import CPty
#endif

/// Puts the user's terminal in raw mode and restores it exactly as it was.
///
/// `restore()` is idempotent; the recorder calls it on every exit path (normal end, error,
/// SIGTERM/SIGHUP/SIGINT through the signal pipe).
final class TerminalMode {
    private let fd: Int32
    private var saved: termios?

    /// The modes of `fd` when it is a terminal.
    static func current(_ fd: Int32) -> termios? {
        var modes = termios()
        return isatty(fd) == 1 && tcgetattr(fd, &modes) == 0 ? modes : nil
    }

    /// The window size of `fd`, or nil when it is not a terminal.
    static func size(_ fd: Int32) -> winsize? {
        var size = winsize()
        return isatty(fd) == 1 && ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? size : nil
    }

    init(fd: Int32) { self.fd = fd }

    /// Switches to raw mode (no echo, no line editing, no signals from keys): every byte the
    /// person types goes to the recorded session, as with `script(1)`.
    func makeRaw() {
        guard var modes = Self.current(fd) else { return }
        saved = modes
        cfmakeraw(&modes)
        tcsetattr(fd, TCSADRAIN, &modes)
    }

    func restore() {
        guard var modes = saved else { return }
        tcsetattr(fd, TCSADRAIN, &modes)
        saved = nil
    }

    deinit { restore() }
}

/// Signals delivered as bytes on a pipe, so the poll loop handles them in order.
enum SignalPipe {
    nonisolated(unsafe) static var writeEnd: Int32 = -1
    nonisolated(unsafe) static var readEnd: Int32 = -1

    /// Installs handlers for `signals` that write the signal number to the pipe.
    static func install(_ signals: [Int32]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        for signal in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalPipe.writeEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signal, &action, nil)
        }
        // A parent may start us with these blocked (a signal mask survives exec: Foundation's
        // Process passes on its thread's, which blocks SIGTERM, SIGHUP and SIGINT); blocked,
        // they would never reach the pipe and a hang-up would never end the session.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in signals { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_UNBLOCK, &handled, nil)
    }

    /// Signal numbers waiting on the pipe.
    static func drain() -> [Int32] {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = read(readEnd, &buffer, buffer.count)
        return n > 0 ? buffer.prefix(n).map { Int32($0) } : []
    }
}
