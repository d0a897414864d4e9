import Foundation
import PsrecTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn(3)` the way a shell starts one: default signal
/// dispositions, an empty signal mask, and no descriptors but 0, 1 and 2.
///
/// Foundation's `Process` is not used for the real tools because (1) it detects the child's
/// exit through a socket the child inherits, so a child that daemonizes (the tmux server
/// forked by `tmux new-session`) keeps `waitUntilExit()` waiting forever, and (2) it passes
/// on the spawning thread's signal mask; test threads block SIGTERM, SIGHUP and SIGINT, and
/// a recorder started with those blocked would never see them.
final class ChildProcess {
    let pid: pid_t
    private var exitStatus: Int32?

    /// Starts `executable` (searched in PATH) with descriptors 0, 1, 2 set to `stdin`,
    /// `stdout`, `stderr` (this process's own descriptors, left open here).
    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
         stdin: Int32, stdout: Int32, stderr: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (fd, target) in [(stdin, Int32(0)), (stdout, 1), (stderr, 2)] {
            posix_spawn_file_actions_adddup2(&actions, fd, target)
        }
        Spawn.closeFrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let path = ExternalTool.path(executable) ?? executable
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArgs = ([path] + arguments).map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, cArgs, cEnv)
        guard status == 0 else {
            throw ExternalTool.ToolError(message: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    /// The exit status once the child has ended (128 + N when killed by signal N), else nil.
    var status: Int32? {
        if exitStatus == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid { exitStatus = Self.decode(raw) }
        }
        return exitStatus
    }

    var isRunning: Bool { status == nil }

    /// Waits for the child to end; nil when `timeout` passes first.
    @discardableResult
    func wait(timeout: Duration) -> Int32? {
        _ = ExternalTool.waitUntil(timeout: timeout, interval: .milliseconds(20)) { status != nil }
        return status
    }

    /// Sends `signal` unless the child has already been reaped.
    func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    deinit {
        // Never leave a zombie behind.
        if status == nil {
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            waitpid(pid, &raw, 0)
        }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }
}
