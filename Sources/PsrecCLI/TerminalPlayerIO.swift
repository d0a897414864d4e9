import PsrecPlayback
import PsrecTerminal
import PsrecFormat
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Keys from stdin and time from `CLOCK_MONOTONIC`: waits in `poll(2)` so a key ends a
/// wait at once; each key the player knows (`PlayerKey`) is handed over as its command,
/// others are ignored. With keys disabled (stdin or stdout not a terminal) it only sleeps.
final class TerminalPlayerInput: PlayerInput {
    private let fd: Int32
    private var keysEnabled: Bool

    init(fd: Int32 = 0, keysEnabled: Bool) {
        self.fd = fd
        self.keysEnabled = keysEnabled
    }

    func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    func wait(until deadline: Int64?) -> PlayerWake {
        while true {
            let now = nowMicros()
            if let deadline, now >= deadline { return .deadline }
            let left = deadline.map { $0 - now }
            guard keysEnabled else {
                guard let left else { return .closed }
                var ts = timespec(tv_sec: Int(left / 1_000_000), tv_nsec: Int(left % 1_000_000) * 1_000)
                nanosleep(&ts, nil)
                continue
            }
            // poll(2) counts milliseconds: wait whole ones, then sleep the rest below one.
            if let left, left < 1_000 {
                var ts = timespec(tv_sec: 0, tv_nsec: Int(left) * 1_000)
                nanosleep(&ts, nil)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, left.map { Int32(clamping: $0 / 1_000) } ?? -1)
            if ready < 0 {
                if errno == EINTR { continue }
                keysEnabled = false
                continue
            }
            guard ready > 0 else { continue }
            var byte: UInt8 = 0
            let n: Int
            do {
                n = try withUnsafeMutableBytes(of: &byte) { buffer throws(Errno) in try SystemCalls.read(fd, into: buffer) }
            } catch .resourceTemporarilyUnavailable {
                continue
            } catch {
                n = -1
            }
            if n == 1 {
                if let key = PlayerKey(byte) { return .command(key.command) }
                continue
            }
            // End of input (or an error): no more keys; play on.
            keysEnabled = false
            if deadline == nil { return .closed }
        }
    }
}

/// Played output to stdout; the status in the terminal's window title.
///
/// Why the title: the status must never corrupt the played screen. Any status drawn in the
/// screen's cells (a bottom line, an overlay) overwrites recorded cells, moves the cursor
/// and must be erased and redrawn exactly, which the player cannot do without emulating the
/// terminal; a recorded program that scrolls or uses the whole screen would take the status
/// with it or be shifted by it. The window title (`OSC 2`) is outside the cell grid: setting
/// it changes no cell, no cursor position and no mode. The title in place before playback
/// is saved with XTWINOPS `CSI 22;0 t` and restored with `CSI 23;0 t` at exit (terminals
/// without the title stack ignore both). tmux shows it as the pane title.
///
/// Two more guards: the status is written only between complete escape sequences and
/// UTF-8 characters of the recorded stream (`PsrecTerminal.TerminalParser`), so it never splits
/// a recorded sequence; and its text is built from escaped strings only.
///
/// When stdout is not a terminal nothing but recorded output is written.
final class TerminalPlayerOutput: PlayerOutput {
    let isTerminal: Bool
    private let sink: (UnsafeRawBufferPointer) -> Void
    private let sizeQuery: () -> (cols: Int, rows: Int)?
    private var tracker = TerminalParser()
    private var pendingStatus: String?

    /// - Parameters:
    ///   - isTerminal: whether `sink` writes to a terminal.
    ///   - size: the terminal's current size.
    ///   - sink: writes bytes (all of them); they are valid only during the call.
    init(isTerminal: Bool, size: @escaping () -> (cols: Int, rows: Int)? = { nil }, sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.isTerminal = isTerminal
        self.sizeQuery = size
        self.sink = sink
    }

    /// Output to stdout.
    static func standardOutput() -> TerminalPlayerOutput {
        TerminalPlayerOutput(isTerminal: isatty(1) == 1, size: { TerminalModes.size(of: 1) }, sink: { Console.writeAll(1, $0) })
    }

    var size: (cols: Int, rows: Int)? { sizeQuery() }

    func write(_ bytes: UnsafeRawBufferPointer) {
        sink(bytes)
        guard isTerminal else { return }
        var ignored = IgnoredActions()
        tracker.feed(bytes, into: &ignored)
        if let pendingStatus, tracker.isAtBoundary {
            self.pendingStatus = nil
            showStatus(line: pendingStatus)
        }
    }

    func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    func resetScreen() {
        guard isTerminal else { return }
        // CAN ends any recorded sequence left open; ESC c resets the terminal.
        Array("\u{18}\u{1B}c".utf8).withUnsafeBytes { sink($0) }
        tracker.reset()
    }

    func showStatus(_ status: PlayerStatus) {
        showStatus(line: status.line)
    }

    /// Shows a status line (already made terminal-safe) as the window title.
    func showStatus(line text: String) {
        guard isTerminal else { return }
        guard tracker.isAtBoundary else {
            pendingStatus = text
            return
        }
        // Defence in depth: the text is escaped already, but a title must hold no control.
        let clean = text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F && !(0x80..<0xA0).contains($0.value) }
        var title = String(String.UnicodeScalarView(clean))
        if title.utf8.count > 400 { title = String(title.prefix(400)) }
        Array("\u{1B}]2;\(title)\u{07}".utf8).withUnsafeBytes { sink($0) }
    }
}

/// Raw keyboard mode and the window title stack, restored on every exit path: normal
/// return, `q`, and SIGINT, SIGTERM, SIGHUP, SIGQUIT (restored, then the signal's default
/// action); SIGTSTP restores before stopping and SIGCONT re-enters raw mode.
enum TerminalModes {
    nonisolated(unsafe) private static var saved = termios()
    nonisolated(unsafe) private static var raw = termios()
    nonisolated(unsafe) private static var keyFd: Int32 = -1
    nonisolated(unsafe) private static var titleFd: Int32 = -1
    nonisolated(unsafe) private static var active = false
    // Written by the signal handlers, so kept in memory that never moves.
    nonisolated(unsafe) private static let exitBytes: UnsafeMutableBufferPointer<UInt8> = {
        // CAN ends a recorded sequence left open, then: attributes off, cursor shown, title popped.
        let bytes = Array("\u{18}\u{1B}[0m\u{1B}[?25h\u{1B}[23;0t".utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }()

    /// The size of the terminal on `fd`, if it is one.
    static func size(of fd: Int32) -> (cols: Int, rows: Int)? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return nil }
        return (Int(ws.ws_col), Int(ws.ws_row))
    }

    /// Saves the title on `titleFd` (a terminal), and when `keyFd` is a terminal switches it
    /// to single-key input without echo (output processing and Ctrl-C stay as they were).
    static func enter(keyFd: Int32?, titleFd: Int32) {
        _ = exitBytes
        self.titleFd = titleFd
        Console.writeAll(titleFd, Array("\u{1B}[22;0t".utf8))
        if let keyFd, tcgetattr(keyFd, &saved) == 0 {
            raw = saved
            raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            self.keyFd = keyFd
            tcsetattr(keyFd, TCSADRAIN, &raw)
        }
        active = true
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            signal(sig) { sig in
                TerminalModes.restore()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
        signal(SIGTSTP) { _ in
            TerminalModes.suspend()
        }
        signal(SIGCONT) { _ in
            TerminalModes.resume()
        }
    }

    /// Puts the terminal back. Idempotent and async-signal-safe (tcsetattr, write).
    static func restore() {
        guard active else { return }
        active = false
        if keyFd >= 0 { tcsetattr(keyFd, TCSADRAIN, &saved) }
        _ = write(titleFd, exitBytes.baseAddress, exitBytes.count)
    }

    private static func suspend() {
        if keyFd >= 0 { tcsetattr(keyFd, TCSADRAIN, &saved) }
        signal(SIGTSTP, SIG_DFL)
        raise(SIGTSTP)
    }

    private static func resume() {
        guard active else { return }
        if keyFd >= 0 { tcsetattr(keyFd, TCSADRAIN, &raw) }
        signal(SIGTSTP) { _ in TerminalModes.suspend() }
    }
}
