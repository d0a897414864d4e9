internal import CPty
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal pair and a child process running on it as session leader with the
/// pty as its controlling terminal (like `script(1)` and `sshd`).
///
/// Uses `posix_openpt(3)`, `grantpt(3)`, `unlockpt(3)`, `ptsname_r(3)`, then `fork(2)`,
/// `setsid(2)` and `execvpe(3)`: the child becomes a session leader, then opens the slave,
/// which on Linux makes it the controlling terminal.
final class PseudoTerminal {
    /// The master side: read the session's output, write its input.
    let master: Int32
    /// Path of the slave device.
    let slavePath: String
    /// The child's process id, once spawned.
    private(set) var child: pid_t = 0

    /// Opens a pty pair with the given size and terminal modes.
    init(size: winsize, modes: termios?) throws {
        let fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError.last("posix_openpt") }
        guard grantpt(fd) == 0, unlockpt(fd) == 0 else {
            close(fd)
            throw SystemError.last("grantpt/unlockpt")
        }
        var name = [CChar](repeating: 0, count: 128)
        guard ptsname_r(fd, &name, name.count) == 0 else {
            close(fd)
            throw SystemError.last("ptsname_r")
        }
        master = fd
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Set the slave's modes and size before the child starts, through a temporary descriptor.
        let slave = open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        if slave >= 0 {
            if var modes { tcsetattr(slave, TCSANOW, &modes) }
            var size = size
            _ = ioctl(slave, UInt(TIOCSWINSZ), &size)
            close(slave)
        }
    }

    deinit { close(master) }

    /// Starts `argv[0]` (searched in PATH) with `environment` on the slave, as `account` when
    /// given (this process must then be root), with no descriptor but 0, 1 and 2.
    ///
    /// `fork` and `exec` happen in C (`psrec_spawn_session`): `posix_spawn` cannot change
    /// the uid and groups, and cannot close the descriptors it does not know of (the
    /// recording's is not close-on-exec).
    func spawn(_ argv: [String], environment: [String], account: SessionAccount? = nil) throws {
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        let groups = account?.groups ?? []
        var stage: Int32 = 0, code: Int32 = 0
        let pid = groups.withUnsafeBufferPointer { groupList in
            psrec_spawn_session(slavePath, cArgs, cEnv, account == nil ? 0 : 1, account?.uid ?? 0, account?.gid ?? 0,
                                groupList.baseAddress, Int32(groupList.count), &stage, &code)
        }
        guard pid > 0 else {
            let what: String
            switch Int(stage) {
            case Int(PSREC_SPAWN_SETGROUPS), Int(PSREC_SPAWN_SETGID), Int(PSREC_SPAWN_SETUID):
                what = "starting \(argv[0]) as \(account?.name ?? "")"
            case Int(PSREC_SPAWN_OPEN_TTY), Int(PSREC_SPAWN_SETSID):
                what = "opening the terminal \(slavePath)"
            default:
                what = "starting \(argv[0])"
            }
            throw SystemError(call: what, code: code)
        }
        child = pid
    }

    /// Sets the session's window size.
    func resize(_ size: winsize) {
        var size = size
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// The session terminal's echo and canonical (line) modes, as `SecretDetector` needs them;
    /// echo on (nothing secret) when they cannot be read.
    var lineModes: (echo: Bool, canonical: Bool) {
        var modes = termios()
        guard tcgetattr(master, &modes) == 0 else { return (true, true) }
        return (modes.c_lflag & tcflag_t(ECHO) != 0, modes.c_lflag & tcflag_t(ICANON) != 0)
    }
}

/// A failed system call, as a sentence.
struct SystemError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    static func last(_ call: String) -> SystemError { SystemError(call: call, code: errno) }
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}
