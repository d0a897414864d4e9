internal import CPty
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal pair and a child process running on it as session leader with the
/// pty as its controlling terminal (like `script(1)` and `sshd`).
///
/// Uses `posix_openpt(3)`, `grantpt(3)`, `unlockpt(3)`, `ptsname_r(3)` and `posix_spawn(3)`
/// with `POSIX_SPAWN_SETSID`: the child becomes a session leader, then opens the slave,
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

    /// Starts `argv[0]` (searched in PATH) with `environment` on the slave.
    func spawn(_ argv: [String], environment: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, slavePath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc 2.26+) is a macro Swift does not import.
        let setsid: Int32 = 0x80
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGCHLD, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(setsid | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard status == 0 else { throw SystemError(call: "starting \(argv[0])", code: status) }
        child = pid
    }

    /// Sets the session's window size.
    func resize(_ size: winsize) {
        var size = size
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    /// True while the session's terminal reads a password: echo off in canonical mode.
    var isReadingSecret: Bool {
        var modes = termios()
        guard tcgetattr(master, &modes) == 0 else { return false }
        return modes.c_lflag & tcflag_t(ECHO) == 0 && modes.c_lflag & tcflag_t(ICANON) != 0
    }
}

/// A failed system call, as a sentence.
struct SystemError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    static func last(_ call: String) -> SystemError { SystemError(call: call, code: errno) }
    var description: String { "\(call) failed: \(String(cString: strerror(code)))" }
}
