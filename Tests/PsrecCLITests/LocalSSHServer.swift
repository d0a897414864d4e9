import Foundation
#if canImport(Glibc)
import Glibc
import PsrecTestSupport
#endif

/// A real OpenSSH server on 127.0.0.1 for one test: its own host key, one authorized client
/// key, no passwords, no PAM, and a `ForceCommand`, in a temporary folder that `stop()`
/// removes. Runs `/usr/sbin/sshd -D -e -f CONFIG` as a child process (needs root, as sshd
/// does for privilege separation).
final class LocalSSHServer {
    static let sshdPath = "/usr/sbin/sshd"

    static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: sshdPath) && ExternalTool.has("ssh", "ssh-keygen") && getuid() == 0
    }

    let dir: URL
    let port: Int
    let clientKey: String
    private var process: ChildProcess?
    private let logPath: String

    /// Starts sshd and waits until it listens.
    /// - Parameter forceCommand: the command sshd runs for every session, whatever the client asks.
    init(forceCommand: String) throws {
        dir = CLI.tempDir()
        logPath = dir.appendingPathComponent("sshd.log").path
        clientKey = dir.appendingPathComponent("client_ed25519").path
        let hostKey = dir.appendingPathComponent("host_ed25519").path
        for key in [hostKey, clientKey] {
            let result = try ExternalTool.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "psrec-test", "-f", key])
            guard result.status == 0 else { throw ExternalTool.ToolError(message: "ssh-keygen failed: \(result.stderr)") }
        }
        try FileManager.default.copyItem(atPath: clientKey + ".pub", toPath: dir.appendingPathComponent("authorized_keys").path)
        // sshd's privilege-separation directory (Debian creates it at boot, containers may not).
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])

        port = try Self.freePort()
        let config = """
            ListenAddress 127.0.0.1
            Port \(port)
            HostKey \(hostKey)
            AuthorizedKeysFile \(dir.path)/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            StrictModes no
            UsePAM no
            PidFile \(dir.path)/sshd.pid
            PrintMotd no
            PrintLastLog no
            LogLevel VERBOSE
            ForceCommand \(forceCommand)

            """
        let configPath = dir.appendingPathComponent("sshd_config").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)

        let logFD = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(logFD)
            close(null)
        }
        let sshd = try ChildProcess(Self.sshdPath, ["-D", "-e", "-f", configPath], stdin: null, stdout: logFD, stderr: logFD)
        process = sshd
        let listening = ExternalTool.waitUntil(timeout: .seconds(30)) { !sshd.isRunning || log.contains("Server listening on 127.0.0.1 port \(port)") }
        guard listening && sshd.isRunning else {
            let message = "sshd did not start:\n\(log)"
            stop()
            throw ExternalTool.ToolError(message: message)
        }
    }

    deinit { stop() }

    /// What sshd has logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Stops sshd (idempotent) and removes its folder.
    func stop() {
        if let process {
            process.signal(SIGTERM)
            if process.wait(timeout: .seconds(10)) == nil {
                process.signal(SIGKILL)
                process.wait(timeout: .seconds(10))
            }
            self.process = nil
        }
        try? FileManager.default.removeItem(at: dir)
    }

    /// ssh client arguments to log in as `user` (root unless said) with the client key (no user
    /// config, no known hosts).
    func sshArguments(_ extra: [String] = [], user: String = "root") -> [String] {
        ["-F", "/dev/null", "-i", clientKey, "-p", "\(port)", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"] + extra + ["\(user)@127.0.0.1"]
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ExternalTool.ToolError(message: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw ExternalTool.ToolError(message: "bind failed") }
        let named = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        guard named == 0 else { throw ExternalTool.ToolError(message: "getsockname failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
