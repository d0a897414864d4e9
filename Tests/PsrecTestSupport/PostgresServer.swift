public import Foundation

/// A real PostgreSQL server owned by the test process, from Debian's `postgresql` package
/// (`.ci/setup` installs it): `initdb` into a temporary folder as the unprivileged
/// `postgres` user, listening on a free loopback port (and a Unix socket inside that folder),
/// password authentication (scram-sha-256). One server serves the whole test run; each
/// test takes a database of its own (`makeDatabase`).
///
/// It stops by itself: a watchdog shell started beside it stops the server and removes its
/// folder once the test process has gone, however it ended.
public final class PostgresServer: @unchecked Sendable {
    public let port: Int
    public let folder: String
    public let user = "psrec"
    public let password: String
    private let lock = NSLock()
    private var databases = 0

    /// The server binaries, when PostgreSQL is installed.
    public static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        guard let versions = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        return versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
            .map { "\(root)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }()

    /// The one server of this test run, started on first use, or why it could not start
    /// (PostgreSQL not installed, or it would not start).
    public static let started: Result<PostgresServer, any Error> = Result { try PostgresServer() }

    /// The shared server, or nil with `failure` saying why.
    public static var shared: PostgresServer? { try? started.get() }

    /// Why the shared server could not start, or nil.
    public static var failure: String? {
        if case .failure(let error) = started { return "\(error)" }
        return nil
    }

    /// True when the PostgreSQL tests must run (in CI, where `.ci/setup` installs the
    /// server): there a missing server fails them instead of skipping them.
    public static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    private init() throws {
        guard let binaries = Self.binaries else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb)"])
        }
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-pg-\(UUID().uuidString.prefix(8))").path
        password = UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        let owner = getuid() == 0 ? "postgres" : nil
        func asOwner(_ command: String) -> String {
            owner.map { "runuser -u \($0) -- sh -c '\(command)'" } ?? command
        }
        // fsync off: the tests kill processes, never the machine, and the page cache
        // survives a killed process; syncing would only slow the run.
        let script = """
            set -e
            \(owner.map { "chown \($0) '\(folder)'" } ?? "true")
            umask 077
            printf '%s\\n' '\(password)' > '\(folder)/pw'
            \(owner.map { "chown \($0) '\(folder)/pw'" } ?? "true")
            \(asOwner("\(binaries)/initdb -D \(folder)/data -A scram-sha-256 -U \(user) --pwfile=\(folder)/pw -E UTF8 --no-locale >\(folder)/initdb.log 2>&1"))
            \(asOwner("\(binaries)/pg_ctl -D \(folder)/data -o \"-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" -l \(folder)/log -w start >/dev/null 2>&1 </dev/null"))
            """
        let started = try Self.shell(script)
        guard started.status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "PostgreSQL did not start: \(started.output) \(log)"])
        }
        // The watchdog: stops the server and removes its folder when this process is gone.
        // Started through the shell, in the background of a session of its own: it belongs
        // to no Foundation `Process` of this test process (whose exit monitoring a child it
        // does not wait for would disturb), and the shell that starts it returns at once.
        let watchdog = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(asOwner("\(binaries)/pg_ctl -D \(folder)/data -m immediate stop >/dev/null 2>&1"))
            rm -rf '\(folder)'
            """
        try watchdog.write(toFile: folder + "/watchdog.sh", atomically: true, encoding: .utf8)
        let launched = try Self.shell("setsid /bin/sh '\(folder)/watchdog.sh' </dev/null >/dev/null 2>&1 &")
        guard launched.status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "The PostgreSQL watchdog did not start: \(launched.output)"])
        }
    }

    /// A URL for the server's `postgres` database (for administration).
    public var adminURL: String { "postgres://\(user):\(password)@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// A new, empty database; returns its URL (password included, TLS off on loopback).
    public func makeDatabase() throws -> String {
        lock.lock()
        databases += 1
        let name = "t\(databases)_\(UUID().uuidString.prefix(8).lowercased())"
        lock.unlock()
        try psql("CREATE DATABASE \(name)")
        return url(name)
    }

    public func url(_ database: String) -> String {
        "postgres://\(user):\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Runs one SQL command with `psql` as the superuser; returns its output.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        guard let binaries = Self.binaries else { throw CocoaError(.fileNoSuchFile) }
        let quoted = sql.replacingOccurrences(of: "'", with: "'\\''")
        let result = try Self.shell("PGPASSWORD='\(password)' \(binaries)/psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p \(port) -U \(user) -d \(database) -c '\(quoted)'")
        guard result.status == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "psql failed: \(result.output)"])
        }
        return result.output
    }

    /// Runs `script` with /bin/sh and waits for it with waitpid: no Foundation `Process`,
    /// whose exit monitoring needs a dispatch thread, and the first use of the server blocks
    /// every test thread that wants it until the server is up. The shell gets no descriptor
    /// of this process but its output file.
    public static func shell(_ script: String) throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-pg-sh-\(UUID().uuidString)").path
        defer { unlink(output) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process goes with it. The server and the watchdog outlive the
        // shell; had they kept a pipe another test had open at that moment (a child's
        // standard output, not yet closed on this side), that test's read to the end of
        // the pipe would never end, nor would the test run (it did, in CI: 90 minutes).
        Spawn.closeFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(script), nil]
        defer { for p in argv { free(p) } }
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, text)
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
