import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOSSL
import PsrecCatalog
import PsrecCLI
import PsrecNetwork
import ServiceLifecycle
import UnixSignals

/// `psrec serve --db DB --listen HOST:PORT (--tls-cert F --tls-key F [--client-ca F] | --insecure-loopback)`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive recordings from capture hosts while their sessions run, into a catalog.",
        discussion: """
        Runs in the foreground as a service would, logging to stderr. Capture hosts connect \
        with TLS and a token (`psrec host add`) and stream each recording chunk by chunk \
        (Spec/protocol.md); each chunk is acknowledged only once the catalog has committed it \
        to disk. With --client-ca every capture host must present a TLS client certificate \
        signed by that CA, and is the host its subject common name names (`psrec host add \
        --certificate`); a connection without one fails the handshake, and a token, if sent, \
        must be the same host's. A recording is in the catalog from its first chunk, as live; it becomes \
        complete with its trailer, or interrupted when its host has been silent for \
        --interrupted-after. SIGTERM or SIGINT: no new connections, each connection's chunk in \
        hand is stored and acknowledged, then the server exits 0.

        Exit status: 0 after a clean stop; 3 when the catalog cannot be opened or the address \
        cannot be bound; 64 usage error (a non-loopback address without TLS, a TLS key \
        readable by others, a client CA file that is missing, empty or not PEM, --client-ca \
        without TLS).
        """)

    @Option(help: ArgumentHelp("The catalog (a SQLite file; created if missing).", valueName: "db"))
    var db: String

    @Option(help: ArgumentHelp("Address and port to listen on (port 0: any free port, printed at start).", valueName: "host:port"))
    var listen: String

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("The server's certificate chain (PEM).", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The certificate's private key (PEM, readable by its owner only).", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: ArgumentHelp("Require a TLS client certificate of every capture host, signed by a CA in this file (PEM); its subject common name is the host's name.", valueName: "file"))
    var clientCA: String?

    @Flag(name: .customLong("insecure-loopback"), help: "Listen without TLS; refused on any address that is not loopback.")
    var insecureLoopback = false

    @Option(name: .customLong("interrupted-after"), help: ArgumentHelp("Seconds without a chunk before a live recording is marked interrupted.", valueName: "seconds"))
    var interruptedAfter: Int = 120

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        let (host, _) = try ListenAddress.split(listen, what: "--listen")
        if insecureLoopback {
            if tlsCert != nil || tlsKey != nil { throw ValidationError("--insecure-loopback and --tls-cert/--tls-key contradict each other; give one.") }
            if clientCA != nil { throw ValidationError("--client-ca needs TLS: client certificates are presented in the TLS handshake, which --insecure-loopback goes without.") }
            guard ListenAddress.isLoopback(host) else {
                throw ValidationError("--insecure-loopback: \(TerminalSafe.escape(host)) is not a loopback address; a server on any other address needs --tls-cert and --tls-key.")
            }
        } else if tlsCert == nil || tlsKey == nil {
            throw ValidationError("Give --tls-cert and --tls-key (or --insecure-loopback on a loopback address).")
        }
        guard (1...86_400).contains(interruptedAfter) else { throw ValidationError("--interrupted-after: give 1 to 86400 seconds.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: '\(TerminalSafe.escape(logLevel))' is not a level.") }
    }

    func run() throws {
        var (host, port) = try ListenAddress.split(listen, what: "--listen")
        if host == "localhost" { host = "127.0.0.1" }
        let tls: NIOSSLContext?
        do {
            tls = try tlsCert.map { try NetworkTLS.serverTLS(certificate: $0, key: tlsKey!, clientCA: clientCA) }
        } catch let error as NetworkFileError {
            Console.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "psrec.serve")
        let catalog: Catalog
        do {
            catalog = try Catalog(path: db, create: true, synchronousCommits: true, concurrentReads: true)
        } catch {
            let failure = FailureTable.failure(for: error) ?? .init(message: FailureTable.sentence(String(describing: error)), status: ExitStatus.invalid)
            Console.error(failure.message)
            throw ExitCode(failure.status)
        }
        var configuration = IngestServer.Configuration(host: host, port: port, tls: tls)
        configuration.clientCertificates = clientCA != nil
        configuration.interruptedAfter = .seconds(Int64(interruptedAfter))
        let server = IngestServer(configuration: configuration, catalog: catalog, logger: logger)
        let shownHost = host
        do {
            try waitFor {
                let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                // The address on stdout, once bound: what a supervisor or a test waits for.
                let announce = Task {
                    if let bound = try? await server.boundPort() { Console.writeAll(1, Array("Listening on \(shownHost):\(bound)\n".utf8)) }
                }
                defer { announce.cancel() }
                try await group.run()
            }
        } catch {
            Console.error("The server stopped: \(TerminalSafe.escape(String(describing: error))).")
            throw ExitCode(ExitStatus.invalid)
        }
    }
}
