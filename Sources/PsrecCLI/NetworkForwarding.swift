import ArgumentParser
import Foundation
import PsrecCatalog

/// Where `psrec-net` is: beside this `psrec` (the same folder as the running binary), else on
/// the PATH.
enum NetworkTool {
    static var path: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let me = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let beside = (me as NSString).deletingLastPathComponent + "/psrec-net"
            if access(beside, X_OK) == 0 { return beside }
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(folder)/psrec-net"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Becomes `psrec-net SUBCOMMAND ARGUMENTS…`.
    static func exec(_ subcommand: String, _ arguments: [String]) throws -> Never {
        try exec([subcommand] + arguments, what: "psrec \(subcommand) is run by psrec-net")
    }

    /// The options that name a catalog.
    static let catalogOptions = ["--db", "--from", "--to"]

    /// Whether `arguments` name a PostgreSQL catalog (`--db URL`, `--db=URL`, and `--from`
    /// and `--to` of `catalog copy`): such a command is run by `psrec-net`, which carries the
    /// PostgreSQL driver, so that `psrec` itself carries no network code.
    static func namePostgresCatalog(_ arguments: [String]) -> Bool {
        if arguments.first == "record" {
            // What follows the recorder's own options is the session's command, whose
            // arguments are its own: only the recorder's --db counts.
            guard let record = try? RecordCommand.parse(Array(arguments.dropFirst())) else { return false }
            return record.db.map(PostgresLocation.isURL) ?? false
        }
        var previous = ""
        for argument in arguments {
            if argument == "--" { return false }
            if catalogOptions.contains(previous) && PostgresLocation.isURL(argument) { return true }
            for option in catalogOptions where argument.hasPrefix(option + "=") {
                if PostgresLocation.isURL(String(argument.dropFirst(option.count + 1))) { return true }
            }
            previous = argument
        }
        return false
    }

    /// Becomes `psrec-net ARGUMENTS…`; when there is no psrec-net, prints "`what`, which is
    /// neither beside psrec nor on the PATH" and fails.
    static func exec(_ arguments: [String], what: String) throws -> Never {
        guard let path else {
            Console.error("\(what), which is neither beside psrec nor on the PATH; install both (see the README).")
            throw ExitCode(ExitStatus.invalid)
        }
        let argv = ["psrec-net"] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        execv(path, cArgs)
        Console.error("Cannot run \(TerminalSafe.escape(path)): \(String(cString: strerror(errno))).")
        throw ExitCode(ExitStatus.invalid)
    }
}

/// `psrec serve …`: run by `psrec-net serve`, whose help is the command's.
struct ServeForwarder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive recordings from capture hosts while their sessions run, into a catalog; serve the auditors' web application.")
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { try NetworkTool.exec("serve", arguments) }
}

/// `psrec upload …`: run by `psrec-net upload`.
struct UploadForwarder: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Send spooled recordings to a server: what it lacks of each, resuming where it stopped.")
    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
    func run() throws { try NetworkTool.exec("upload", arguments) }
}

/// `record --server`: `psrec-net follow` streams the file beside the session. Its standard
/// input is a pipe the recorder holds; closing it says the session has ended. Its output
/// goes to a pipe read only then, so nothing reaches the session's terminal meanwhile.
final class RecordingStream {
    /// How long the end of the session waits for the server to acknowledge the rest.
    static let finishSeconds = 10.0

    let pid: pid_t
    let input: Int32
    let output: Int32

    /// - Parameter credentials: `psrec-net` options saying who the host is and which CA the
    ///   server's certificate chains to (`StreamingOptions.credentialArguments`).
    init(server: ServerURL, credentials: [String], path: String) throws {
        guard let tool = NetworkTool.path else {
            throw NetworkFileError("record --server streams through psrec-net, which is neither beside psrec nor on the PATH; install both (see the README).")
        }
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw NetworkFileError("Cannot start streaming: \(String(cString: strerror(errno))).") }
        let arguments = ["follow", "--server", NetworkTool.url(server)] + credentials + ["--", path]
        let (status, child) = NetworkTool.spawn(tool, arguments, stdin: toChild[0], stdout: fromChild[1], stderr: fromChild[1],
                                                closing: [toChild[1], fromChild[0]])
        close(toChild[0])
        close(fromChild[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw NetworkFileError("Cannot start \(TerminalSafe.escape(tool)): \(String(cString: strerror(status))).")
        }
        _ = fcntl(toChild[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fromChild[0], F_SETFD, FD_CLOEXEC)
        pid = child
        input = toChild[1]
        output = fromChild[0]
    }

    /// The session has ended and the file is closed: lets the streamer send the rest, waits
    /// for it up to `finishSeconds`, and passes on what it said.
    func finish(path: String) {
        close(input)
        guard let said = Self.awaitExit(pid: pid, output: output, seconds: Self.finishSeconds) else {
            Console.error("The server has not acknowledged all of \(TerminalSafe.escape(path)) yet; it is still being sent in the background, and psrec upload sends what is not.")
            close(output)
            return
        }
        close(output)
        let text = String(decoding: said, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty { Console.error(TerminalSafe.escape(text)) }
    }

    /// Waits for the child `pid`, whose standard output and error are the pipe `output`, to
    /// exit, reading what it writes meanwhile (at most 16 KiB is kept).
    ///
    /// The end of the pipe (`poll(2)` reports it at once) says the child has exited: no
    /// `waitpid` polling, whose period would be added to every session's end.
    /// - Returns: what it wrote, or nil when it has not exited within `seconds`.
    static func awaitExit(pid: pid_t, output: Int32, seconds: Double) -> [UInt8]? {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        var said = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var open = true
        while open {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { return nil }
            let (whole, fraction) = left.components
            var ready = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let n = poll(&ready, 1, Int32(min(whole * 1000 + fraction / 1_000_000_000_000_000 + 1, 60_000)))
            if n < 0 && errno != EINTR { break }
            guard n > 0 else { continue }
            let count = read(output, &buffer, buffer.count)
            if count > 0 {
                if said.count < 16_384 { said += buffer[..<min(count, 16_384 - said.count)] }
            } else if count == 0 || errno != EINTR {
                open = false
            }
        }
        // The pipe has ended: the child is exiting, if it has not already (a child that
        // closed its output and went on is waited for no longer than the deadline).
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { return said }
            usleep(200)
        }
        return nil
    }
}

extension NetworkTool {
    /// Runs `psrec-net ARGUMENTS…` and waits at most `seconds` for it (then kills it).
    /// - Returns: its exit status (nil when killed or not started) and what it printed.
    static func run(_ arguments: [String], seconds: Double) -> (status: Int32?, stdout: String, stderr: String) {
        guard let tool = path else { return (nil, "", "psrec-net is neither beside psrec nor on the PATH.") }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { return (nil, "", String(cString: strerror(errno))) }
        let (spawned, child) = spawn(tool, arguments, stdin: nil, stdout: out[1], stderr: err[1], closing: [out[0], err[0]])
        close(out[1]); close(err[1])
        defer { close(out[0]); close(err[0]) }
        guard spawned == 0 else { return (nil, "", String(cString: strerror(spawned))) }
        let deadline = Date().addingTimeInterval(seconds)
        var status: Int32 = 0
        var exited = false
        while Date() < deadline {
            if waitpid(child, &status, WNOHANG) == child { exited = true; break }
            usleep(10_000)
        }
        if !exited {
            kill(child, SIGKILL)
            waitpid(child, &status, 0)
            return (nil, "", "no answer within \(Int(seconds)) s")
        }
        func drain(_ fd: Int32) -> String {
            var bytes = [UInt8](), buffer = [UInt8](repeating: 0, count: 4096)
            while bytes.count < 65_536 {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                bytes += buffer[..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let exitCode: Int32? = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : nil
        return (exitCode, drain(out[0]), drain(err[0]))
    }
}

/// What `record --server --app A` learns before the session: whether A is recorded, and
/// whether its policy is strict. The last answer is kept beside the recordings
/// (`.psrec-policy` in the spool folder), so that a server that cannot be asked still has its
/// strict applications' sessions refused.
enum ServerPolicy {
    enum Decision: Equatable {
        case recordingOff
        case record(strict: Bool)
        /// The server could not be asked: `strict` as last learned (false when never).
        case unreachable(strict: Bool, reason: String)
    }

    static func decide(server: ServerURL, credentials: [String], application: String, folder: String) -> Decision {
        let answer = NetworkTool.run(["policy", "--server", NetworkTool.url(server)] + credentials + ["--", application], seconds: 5)
        let cache = (folder as NSString).appendingPathComponent(".psrec-policy")
        guard answer.status == 0 else {
            let reason = answer.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return .unreachable(strict: load(cache)[application] == true, reason: reason.isEmpty ? "no answer" : reason)
        }
        if answer.stdout.contains("recording=off") { return .recordingOff }
        let strict = answer.stdout.contains("policy=strict")
        var known = load(cache)
        if known[application] != strict {
            known[application] = strict
            save(known, to: cache)
        }
        return .record(strict: strict)
    }

    /// Application (hex of its UTF-8) and policy, one per line.
    ///
    /// Only a regular file owned by this user and writable by no one else is read: anyone
    /// who could write the spool folder could otherwise turn a strict application best-effort.
    static func load(_ path: String) -> [String: Bool] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return [:] }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0, st.st_size < 1 << 20 else { return [:] }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        guard let data = try? handle.readToEnd(), let text = String(data: data, encoding: .utf8) else { return [:] }
        var known: [String: Bool] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let name = unhex(String(fields[0])) else { continue }
            known[name] = fields[1] == "strict"
        }
        return known
    }

    static func save(_ known: [String: Bool], to path: String) {
        let text = known.keys.sorted().map { "\(hex($0)) \(known[$0]! ? "strict" : "best-effort")\n" }.joined()
        let temporary = path + ".\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }

    static func unhex(_ text: String) -> String? {
        guard text.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension NetworkTool {
    /// Starts `psrec-net ARGUMENTS…` in a session of its own, its standard streams on
    /// /dev/null, and does not wait for it.
    static func spawnDetached(_ arguments: [String]) {
        guard let tool = path else { return }
        _ = spawn(tool, arguments, stdin: nil, stdout: nil, stderr: nil, closing: [], newSession: true)
    }

    /// Starts `tool` as `psrec-net ARGUMENTS…` with the given descriptors as its standard
    /// streams (nil: /dev/null), `closing` closed in the child, in a session of its own when
    /// `newSession`.
    /// - Returns: posix_spawn's status (0 when started) and the child's pid.
    static func spawn(_ tool: String, _ arguments: [String], stdin: Int32?, stdout: Int32?, stderr: Int32?, closing: [Int32],
                      newSession: Bool = false) -> (status: Int32, pid: pid_t) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        for fd in Set(closing + [stdin, stdout, stderr].compactMap { $0 }) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID (glibc, 0x80; hidden from Swift behind _GNU_SOURCE).
        if newSession { posix_spawnattr_setflags(&attributes, 0x80) }
        let cArgs = (["psrec-net"] + arguments).map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, tool, &actions, &attributes, cArgs, environ)
        return (status, child)
    }

    /// `psrec://HOST:PORT` (or `psrec+insecure://`) for `server`.
    static func url(_ server: ServerURL) -> String {
        let scheme = server.insecure ? "psrec+insecure" : "psrec"
        return server.host.contains(":") ? "\(scheme)://[\(server.host)]:\(server.port)" : "\(scheme)://\(server.host):\(server.port)"
    }
}

/// `--server`, `--token-file` (or `--client-cert` and `--client-key`) and `--ca` of `record`
/// and `record-screen`.
struct StreamingOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Stream the recording to this server while the session runs: psrec://HOST:PORT (psrec+insecure://127.0.0.1:PORT for a loopback server without TLS). The local file is written as always; what the server has not acknowledged when the session ends is sent later by psrec upload.", valueName: "url"))
    var server: ServerURL?

    @Option(name: .customLong("token-file"), help: ArgumentHelp("With --server: the capture host's token (psrec host add), readable by its owner only.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("With --server, instead of --token-file: the capture host's TLS client certificate (PEM), naming the host in its subject common name, for a server started with --client-ca.", valueName: "file"))
    var clientCert: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("With --client-cert: its private key (PEM, readable by its owner only).", valueName: "file"))
    var clientKey: String?

    @Option(help: ArgumentHelp("With --server: CA certificates (PEM) the server's certificate must chain to (default: the system's).", valueName: "file"))
    var ca: String?

    func validate() throws {
        if (clientCert == nil) != (clientKey == nil) { throw ValidationError("--client-cert and --client-key go together: the certificate and its private key.") }
        guard let server else {
            if tokenFile != nil || clientCert != nil || ca != nil { throw ValidationError("--token-file, --client-cert, --client-key and --ca are for --server.") }
            return
        }
        switch (tokenFile, clientCert) {
        case (nil, nil): throw ValidationError("--server needs --token-file, or --client-cert and --client-key: the server admits a capture host by one of them.")
        case (.some, .some): throw ValidationError("--token-file and --client-cert are two ways for the capture host to prove who it is; give one.")
        default: break
        }
        if clientCert != nil && server.insecure { throw ValidationError("--client-cert needs TLS, and psrec+insecure:// has none; give the server as psrec://.") }
    }

    /// The `psrec-net` options for the host's credentials and the server's CA.
    var credentialArguments: [String] {
        let identity = if let clientCert, let clientKey { ["--client-cert", clientCert, "--client-key", clientKey] } else { ["--token-file", tokenFile ?? ""] }
        return identity + (ca.map { ["--ca", $0] } ?? [])
    }

    /// For the file a recorder has just created at `path`: its lock (held while it is
    /// written, so that `psrec upload` leaves it to its recorder) and, with `--server`, the
    /// streamer beside it; what earlier recorders left in the same folder is sent in the
    /// background.
    /// - Throws: `NetworkFileError` for a token file or client key that cannot be used, or no
    ///   psrec-net.
    func start(path: String) throws -> (SpoolLock?, RecordingStream?) {
        let lock = SpoolLock.exclusive(path)
        guard let server else { return (lock, nil) }
        do {
            // Checked here, before the session starts, as psrec-net will check them.
            if let tokenFile { _ = try NetworkFiles.token(tokenFile) }
            if let clientKey { _ = try NetworkFiles.secretFile(clientKey, what: "client key") }
            let stream = try RecordingStream(server: server, credentials: credentialArguments, path: path)
            // Files a killed recorder or a reboot left in the spool: what the server lacks of
            // them is sent in the background (a file still being written is locked, and left;
            // those the server then holds in full are removed, as `psrec upload` removes them).
            let folder = (path as NSString).deletingLastPathComponent
            // Only files older than this one: a file another recorder finishes meanwhile is
            // streamed by its own recorder, and this one by this recorder (which keeps it).
            // A folder that holds no other recording needs no sender (a process, a TLS
            // context, sharing the cores with the session's start).
            if Self.holdsOtherRecordings(folder.isEmpty ? "." : folder, besides: path) {
                NetworkTool.spawnDetached(["upload", "--server", NetworkTool.url(server)] + credentialArguments
                                          + ["--older-than", path, "--", folder.isEmpty ? "." : folder])
            }
            return (lock, stream)
        } catch {
            lock?.release()
            throw error
        }
    }

    /// Whether `folder` holds a `.psrec` file other than `path` (which `psrec upload` would
    /// then consider); a folder that cannot be read counts as holding some.
    static func holdsOtherRecordings(_ folder: String, besides path: String) -> Bool {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return true }
        let own = (path as NSString).lastPathComponent
        return names.contains { $0.hasSuffix(".psrec") && $0 != own }
    }
}
