public import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension CLI {
    /// What a run of the built `psrec` cost: its exit status, its peak resident memory
    /// (`ru_maxrss` from `wait4(2)`, this child alone) and its wall time.
    public struct Measured {
        public var status: Int32
        public var peakResidentBytes: Int64
        public var seconds: Double
        public var stderr: String
    }

    /// Runs `psrec arguments`, standard output discarded, and measures it; the child is
    /// killed after `timeoutSeconds` (its status is then 128 + SIGKILL).
    public static func runMeasured(_ arguments: [String], timeoutSeconds: Double = 30) throws -> Measured {
        let errPath = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-measured-\(UUID().uuidString)").path
        defer { unlink(errPath) }
        let devNull = open("/dev/null", O_RDWR)
        let errFD = open(errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        defer { close(devNull); close(errFD) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, devNull, 1)
        posix_spawn_file_actions_adddup2(&actions, errFD, 2)
        let cArgs = ([binary.path] + arguments).map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, binary.path, &actions, nil, cArgs, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if done < 0 && errno != EINTR { throw POSIXError(.ECHILD) }
            if Date().timeIntervalSince(started) > timeoutSeconds { kill(pid, SIGKILL) }
            usleep(5_000)
        }
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return Measured(status: exit, peakResidentBytes: Int64(usage.ru_maxrss) * 1024,
                        seconds: Date().timeIntervalSince(started), stderr: err)
    }
}
