import Foundation
import PsrecTestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `psrec` as its own child and reports what that one child used, from
/// `wait4(2)`: other tests' children, running at the same time, do not count.
struct ChildProcessUsage {
    var status: Int32
    /// Peak resident set size of the child, in bytes (`ru_maxrss`).
    var peakResidentBytes: Int
    var stdout: String
    var stderr: String
    var seconds: Double

    /// Runs `psrec arguments` with `environment` added to this process's, and an optional
    /// umask for the child only (a umask is per process: setting it here would change the
    /// files every other test creates).
    /// `timeoutSeconds`: the child is killed (SIGKILL, status 137) if it runs longer, so a
    /// hang fails the test instead of stalling the suite.
    static func run(_ arguments: [String], environment: [String: String] = [:], umask childMask: mode_t? = nil,
                    timeoutSeconds: Double = 300) throws -> ChildProcessUsage {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-usage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("out").path, errPath = directory.appendingPathComponent("err").path
        var executable = CLI.binary.path
        var argv = [executable] + arguments
        if let childMask {
            // The shell sets the umask and becomes psrec (exec), so wait4 still sees psrec.
            let quoted = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            executable = "/bin/sh"
            argv = ["/bin/sh", "-c", "umask \(String(childMask, radix: 8)) && exec \(quoted)"]
        }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, executable, &actions, nil, cArgs, cEnv)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        let finished = DispatchSemaphore(value: 0)
        let child = pid
        DispatchQueue.global().async {
            if finished.wait(timeout: .now() + timeoutSeconds) == .timedOut { kill(child, SIGKILL) }
        }
        defer { finished.signal() }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        let seconds = Date().timeIntervalSince(started)
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildProcessUsage(status: exit, peakResidentBytes: usage.ru_maxrss * 1024,
                                 stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                                 stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "", seconds: seconds)
    }
}
