import ArgumentParser
import Foundation
import PsrecCapture
import PsrecCatalog
import PsrecFormat
#if canImport(Glibc)
import Glibc
#endif

/// `psrec record [-o FILE] [--user U] [--app A] [--host H] [--input] -- COMMAND [ARGS...]`.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a command under a pseudo-terminal and record the session.",
        discussion: """
        The session is transparent: raw mode, window-size changes, signals, job control and \
        the exit status pass through, and the terminal is restored on every exit path. A chunk \
        is written at least every second, so the file is always a playable recording. \
        Keyboard-command indicators are added at every Enter (with the typed text only with \
        --input), mouse-click indicators at every xterm mouse press. With --input, keys typed into \
        a secret (echo off, and neither echoed back by the program nor typed into a full-screen \
        one) are replaced by one redaction per secret; without --input they leave nothing.

        For an SSH gateway, use it as sshd's ForceCommand through sudo (`ForceCommand sudo -n \
        psrec record --run-as-sudo-user --dir /var/spool/psrec`; the README shows the whole \
        setup): psrec keeps root and the recording, the session runs as the user and cannot \
        reach the file. The remote address and requested command come from the SSH \
        environment (SSH_CONNECTION, SSH_ORIGINAL_COMMAND).

        With --db DB --app A, the catalog decides: the session is recorded only if recording \
        is enabled for A (`psrec app enable A`), otherwise the command just runs; a finished \
        recording is imported into the catalog. So recording starts at the next connection \
        once it is switched on.

        Exit status: the command's own (128 + N when killed by signal N); 3 when the session \
        cannot start or the file cannot be created; 64 usage error. A recording that fails \
        mid-session is reported on stderr and the session goes on.
        """)

    @Option(name: .shortAndLong, help: ArgumentHelp("The .psrec file to write (default: a unique name in --dir).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Folder for the default file name.", valueName: "dir"))
    var dir: String = "."

    @Option(help: "User the session runs as (default: from the environment).")
    var user: String?

    @Option(help: "Application the session belongs to.")
    var app: String?

    @Option(help: "Host the session runs on (default: this host's name).")
    var host: String?

    @Option(help: ArgumentHelp("A catalog that says whether --app is recorded, and receives the recording.", valueName: "db"))
    var db: String?

    @Flag(help: "Record keystrokes too (never those typed into a password prompt; see the README).")
    var input = false

    @Option(name: .customLong("run-as"), help: ArgumentHelp("Run the session as this user, with the user's groups, while psrec keeps root and the recording (psrec must run as root).", valueName: "user"))
    var runAs: String?

    @Flag(help: "Run the session as the user who started psrec through sudo (SUDO_UID): the SSH gateway setup in the README.")
    var runAsSudoUser = false

    @OptionGroup var compression: CompressionOptions

    @OptionGroup var streaming: StreamingOptions

    @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (default: the SSH command, else $SHELL).")
    var command: [String] = []

    func validate() throws {
        // The command is captured whole for the session, so `record --help` would run a
        // program named --help; before any command (or `--`), it asks for this help.
        if let first = command.first, first == "--help" || first == "-h" { throw CleanExit.helpRequest(self) }
        if db != nil && app == nil { throw ValidationError("--db needs --app: the catalog decides per application whether to record.") }
        if runAs != nil && runAsSudoUser { throw ValidationError("--run-as and --run-as-sudo-user name the session's user twice; give one.") }
        if db != nil && streaming.server != nil { throw ValidationError("--db and --server each say where the recording goes; give one.") }
    }

    func run() throws {
        let account = try sessionAccount()
        let environment = Self.sessionEnvironment(ProcessInfo.processInfo.environment, account: account)
        let argv = Self.command(explicit: command.first == "--" ? Array(command.dropFirst()) : command, environment: environment)
        if let db, let app, !(try Self.recordingEnabled(db: db, app: app)) {
            // Not recorded: become the command, so the session is exactly as without psrec.
            Self.exec(argv, as: account)
        }
        if let server = streaming.server, let app {
            let folder = output.map { ($0 as NSString).deletingLastPathComponent } ?? dir
            switch ServerPolicy.decide(server: server, credentials: streaming.credentialArguments, application: app, folder: folder.isEmpty ? "." : folder) {
            case .recordingOff:
                Self.exec(argv, as: account)
            case .record:
                break
            case .unreachable(let strict, let reason):
                if strict {
                    Console.error("The recording server cannot be asked (\(FailureTable.clause(TerminalSafe.escape(reason)))), and application \(TerminalSafe.escape(app))'s policy is strict: the session is refused.")
                    throw ExitCode(ExitStatus.invalid)
                }
                Console.error("The recording server cannot be asked (\(FailureTable.clause(TerminalSafe.escape(reason)))); the session is recorded here, and psrec upload sends it later.")
            }
        }
        let size = SessionRecorder.initialSize(fallback: (80, 24))
        let meta = RecordingMetadata.terminalSession(user: user, application: app, host: host, command: argv, environment: environment,
                                                     size: size, captureTool: "psrec record", captureToolVersion: PsrecVersion.string)
        let path = output ?? (dir as NSString).appendingPathComponent(meta.defaultFileName)
        let folder = (path as NSString).deletingLastPathComponent
        if let account, let reason = account.reach(ofDirectory: folder.isEmpty ? "." : folder) {
            Console.error(TerminalSafe.escape(reason))
            throw ExitCode(ExitStatus.invalid)
        }
        let writer: RecordingWriter
        do {
            var options = try compression.writerOptions()
            options.sync = .everySeconds(1)
            // Compression and fdatasync happen off the relay loop: the session never waits on them.
            options.writeInBackground = true
            // One compressing thread: the session being recorded needs the other core
            // (Benchmarks/run --only record: 1.05-1.14x script with one, 1.17-1.34x with two).
            options.backgroundThreads = 1
            writer = try RecordingWriter(path: path, metadata: meta, options: options)
        } catch {
            Console.error(FailureTable.sentence(error.description))
            throw ExitCode(ExitStatus.invalid)
        }
        let created = Self.fileIdentity(path)
        let (lock, stream): (SpoolLock?, RecordingStream?)
        do {
            (lock, stream) = try streaming.start(path: path)
        } catch let error as NetworkFileError {
            try? writer.close()
            Console.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        defer { lock?.release() }
        var env = environment
        // The recording's id is harmless to give away. Its path is given only to a session that
        // runs as psrec's own user and can reach the file anyway; a session run as another
        // account learns nothing that leads to the file.
        env["PSREC_RECORDING_ID"] = meta.recordingID.uuidString.lowercased()
        if account == nil { env["PSREC_RECORDING"] = path }
        let recorder = SessionRecorder(configuration: .init(command: argv, environment: env.map { "\($0.key)=\($0.value)" }, recordInput: input,
                                                            account: account), writer: writer)
        let outcome: SessionRecorder.Outcome
        do {
            outcome = try recorder.run()
        } catch {
            try? writer.close()
            stream?.finish(path: path)
            Console.error("Cannot start \(TerminalSafe.escape(argv.joined(separator: " "))): \(FailureTable.clause(TerminalSafe.escape(String(describing: error)))).")
            throw ExitCode(ExitStatus.invalid)
        }
        if let failure = outcome.recordingError {
            Console.error("Recording stopped early: \(TerminalSafe.escape(failure.description)). The session itself was not interrupted.")
        }
        stream?.finish(path: path)
        if let db {
            // Import only the file psrec wrote: the same inode as at creation, never a file put
            // in its place (`mv forged.psrec "$PSREC_RECORDING"` by a session that can reach it).
            if created == nil || Self.fileIdentity(path) != created {
                Console.error("The recording \(TerminalSafe.escape(path)) is not the file psrec wrote (it was replaced or removed during the session), so it was not imported into \(TerminalSafe.escape(db)).")
            } else {
                do {
                    _ = try Catalog(path: db).importRecording(path: path, actor: meta.user ?? "psrec record")
                } catch {
                    Console.error("The recording \(TerminalSafe.escape(path)) was kept but could not be imported into \(TerminalSafe.escape(db)): \(FailureTable.clause(TerminalSafe.escape(String(describing: error)))).")
                }
            }
        }
        throw ExitCode(outcome.exitStatus)
    }

    // BEGIN catalog look-up (owned by the catalog slice)
    /// How long the look-up waits for a catalog another process holds (an import, a
    /// prune) before recording anyway.
    static let catalogLookupSeconds: Double = 3

    /// Whether the catalog has recording switched on for `app`; an unknown application is
    /// not recorded (and said so on stderr), an unreadable catalog is an error. A catalog
    /// that cannot answer within `catalogLookupSeconds` because another process holds it
    /// means recording: for a privileged-access product a session recorded in doubt is the
    /// safe side, and the file is imported afterwards (or later with `psrec import`).
    static func recordingEnabled(db: String, app: String) throws -> Bool {
        let busy = "The catalog \(TerminalSafe.escape(db)) did not answer within \(Int(catalogLookupSeconds)) s (another process holds it); the session is recorded anyway."
        let application: Application?
        do {
            application = try Catalog(path: db, busyTimeoutSeconds: catalogLookupSeconds).application(app)
        } catch let error as CatalogError where error.code == .busy {
            Console.error(busy)
            return true
        } catch {
            // The catalog's own sentence names the catalog; the table adds what to do.
            let failure = FailureTable.failure(for: error)
                ?? .init(message: "Cannot open the catalog \(TerminalSafe.escape(db)): \(FailureTable.sentence(String(describing: error)))", status: ExitStatus.invalid)
            Console.error(failure.message)
            throw ExitCode(failure.status)
        }
        guard let application else {
            Console.error("Application \(TerminalSafe.escape(app)) is not in \(TerminalSafe.escape(db)); the session is not recorded.")
            return false
        }
        return application.recordingEnabled
    }
    // END catalog look-up

    /// The account to run the session as (`--run-as`, `--run-as-sudo-user`), or nil for psrec's own.
    func sessionAccount() throws -> SessionAccount? {
        guard runAs != nil || runAsSudoUser else { return nil }
        guard geteuid() == 0 else {
            Console.error("--run-as and --run-as-sudo-user need psrec record to run as root (it runs as uid \(geteuid())); start it through sudo as the README's SSH gateway setup shows.")
            throw ExitCode(ExitStatus.invalid)
        }
        do {
            if let runAs { return try SessionAccount(runAs) }
            return try SessionAccount.sudoInvoker(environment: ProcessInfo.processInfo.environment)
        } catch {
            let failure = FailureTable.failure(for: error) ?? .init(message: FailureTable.sentence(error.description), status: ExitStatus.invalid)
            Console.error(failure.message)
            throw ExitCode(failure.status)
        }
    }

    /// The session's environment: the account's own user, home and shell when it runs as
    /// another account, and none of sudo's variables.
    static func sessionEnvironment(_ environment: [String: String], account: SessionAccount?) -> [String: String] {
        guard let account else { return environment }
        var env = environment.filter { !$0.key.hasPrefix("SUDO_") }
        env["USER"] = account.name
        env["LOGNAME"] = account.name
        env["HOME"] = account.home
        env["SHELL"] = account.shell
        return env
    }

    /// Device and inode of the file at `path`, or nil when there is none.
    static func fileIdentity(_ path: String) -> [UInt64]? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    /// Replaces this process with `argv` (searched in PATH), as `account` when given; returns
    /// only on failure, by exiting.
    static func exec(_ argv: [String], as account: SessionAccount? = nil) -> Never {
        if let account {
            do { try account.become() } catch {
                Console.error(FailureTable.sentence(error.message))
                Foundation.exit(ExitStatus.invalid)
            }
            // The same environment as a recorded session's: the account's, none of sudo's.
            let current = ProcessInfo.processInfo.environment
            for key in current.keys where key.hasPrefix("SUDO_") { unsetenv(key) }
            for (key, value) in sessionEnvironment(current, account: account) where current[key] != value { setenv(key, value, 1) }
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        execvp(argv[0], cArgs)
        Console.error("Cannot start \(TerminalSafe.escape(argv[0])): \(String(cString: strerror(errno))).")
        Foundation.exit(127)
    }

    /// The program to run: explicit arguments, else the SSH-requested command through the
    /// shell, else the shell (never psrec itself, when psrec is the login shell).
    static func command(explicit: [String], environment: [String: String]) -> [String] {
        if !explicit.isEmpty { return explicit }
        var shell = environment["SHELL"] ?? "/bin/sh"
        if shell.hasSuffix("/psrec") || shell.isEmpty { shell = FileManager.default.isExecutableFile(atPath: "/bin/bash") ? "/bin/bash" : "/bin/sh" }
        if let requested = environment["SSH_ORIGINAL_COMMAND"], !requested.isEmpty { return [shell, "-c", requested] }
        return [shell, "-l"]
    }
}
