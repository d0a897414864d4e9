import ArgumentParser
import Foundation
import Logging
import NIOCore
import NIOSSL
import PsrecCatalog
import PsrecCLI
import PsrecNetwork
import PsrecWeb
import ServiceLifecycle
import UnixSignals

/// `psrec serve --db DB [--listen HOST:PORT] [--web HOST:PORT] (--tls-cert F --tls-key F [--client-ca F] | --insecure-loopback)`.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Receive recordings from capture hosts while their sessions run, into a catalog; serve the auditors' web application.",
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

        Several servers may share one PostgreSQL catalog (behind one name or a load \
        balancer): a recording is received by one connection at a time, which holds a lease \
        on it in the catalog; when a server goes away, its recordings' capture hosts \
        reconnect to another, which takes them over once the lease has run out \
        (--takeover-after) and goes on from what the catalog acknowledged.

        With --web the same process serves the auditors' web application (search now; the \
        player later) on that address, over the same TLS: users log in with the password \
        `psrec user add` set, and see only the recordings the catalog's rights let them \
        see; every page and every refusal is in the audit log. --listen, --web or both. \
        Behind a reverse proxy that authenticates users, --trust-user-header NAME \
        --trusted-proxy ADDRESS takes the user named in header NAME of requests from that \
        address only.

        Exit status: 0 after a clean stop; 3 when the catalog cannot be opened or the address \
        cannot be bound; 64 usage error (a non-loopback address without TLS, a TLS key \
        readable by others, a client CA file that is missing, empty or not PEM, --client-ca \
        without TLS).
        """)

    @Option(help: ArgumentHelp("The catalog: a SQLite file (created if missing), or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
    var db: String

    @Option(help: ArgumentHelp("Address and port to listen on for capture hosts (port 0: any free port, printed at start).", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("Address and port of the web application (port 0: any free port, printed at start).", valueName: "host:port"))
    var web: String?

    @Option(name: .customLong("trust-user-header"), help: ArgumentHelp("Take the web user's name from this header of requests from --trusted-proxy.", valueName: "name"))
    var trustUserHeader: String?

    @Option(name: .customLong("trusted-proxy"), help: ArgumentHelp("The reverse proxy's IP address, the only one whose --trust-user-header is believed.", valueName: "address"))
    var trustedProxy: String?

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

    @Option(name: .customLong("takeover-after"), help: ArgumentHelp("Seconds before another server sharing the catalog may take over a recording whose server went away (each connection's lease on its recording; renewed while the connection lives).", valueName: "seconds"))
    var takeoverAfter: Int = 15

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard listen != nil || web != nil else { throw ValidationError("Give --listen (capture hosts), --web (the web application), or both.") }
        let hosts = try [(listen, "--listen"), (web, "--web")].compactMap { address, what in try address.map { try ListenAddress.split($0, what: what).0 } }
        if (trustUserHeader == nil) != (trustedProxy == nil) {
            throw ValidationError("--trust-user-header and --trusted-proxy go together: the header is believed only from the proxy's address.")
        }
        if trustUserHeader != nil && web == nil { throw ValidationError("--trust-user-header is for the web application; give --web too.") }
        if let trustUserHeader, trustUserHeader.isEmpty || trustUserHeader.count > 64
            || !trustUserHeader.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw ValidationError("--trust-user-header: '\(TerminalSafe.escape(trustUserHeader))' is not a header name (letters, digits, '-', '_').")
        }
        if let trustedProxy, !ListenAddress.isIPAddress(trustedProxy) {
            throw ValidationError("--trusted-proxy: '\(TerminalSafe.escape(trustedProxy))' is not an IP address; give the proxy's address as requests come from it.")
        }
        for host in hosts { try validateTransport(host) }
        guard (1...86_400).contains(interruptedAfter) else { throw ValidationError("--interrupted-after: give 1 to 86400 seconds.") }
        guard (1...3_600).contains(takeoverAfter) else { throw ValidationError("--takeover-after: give 1 to 3600 seconds.") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: '\(TerminalSafe.escape(logLevel))' is not a level.") }
    }

    private func validateTransport(_ host: String) throws {
        if insecureLoopback {
            if tlsCert != nil || tlsKey != nil { throw ValidationError("--insecure-loopback and --tls-cert/--tls-key contradict each other; give one.") }
            if clientCA != nil { throw ValidationError("--client-ca needs TLS: client certificates are presented in the TLS handshake, which --insecure-loopback goes without.") }
            guard ListenAddress.isLoopback(host) else {
                throw ValidationError("--insecure-loopback: \(TerminalSafe.escape(host)) is not a loopback address; a server on any other address needs --tls-cert and --tls-key.")
            }
        } else if tlsCert == nil || tlsKey == nil {
            throw ValidationError("Give --tls-cert and --tls-key (or --insecure-loopback on a loopback address).")
        }
    }

    func run() throws {
        let ingestAddress = try listen.map { try ListenAddress.split($0, what: "--listen") }.map { ($0.0 == "localhost" ? "127.0.0.1" : $0.0, $0.1) }
        let webAddress = try web.map { try ListenAddress.split($0, what: "--web") }.map { ($0.0 == "localhost" ? "127.0.0.1" : $0.0, $0.1) }
        let tls: NIOSSLContext?
        let webTLS: TLSConfiguration?
        do {
            tls = try tlsCert.map { try NetworkTLS.serverTLS(certificate: $0, key: tlsKey!, clientCA: clientCA) }
            webTLS = try tlsCert.map { try NetworkTLS.serverConfiguration(certificate: $0, key: tlsKey!) }
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
        var ingestServer: IngestServer?
        if let (host, port) = ingestAddress {
            var configuration = IngestServer.Configuration(host: host, port: port, tls: tls)
            configuration.clientCertificates = clientCA != nil
            configuration.interruptedAfter = .seconds(Int64(interruptedAfter))
            configuration.leaseSeconds = Double(takeoverAfter)
            ingestServer = IngestServer(configuration: configuration, catalog: catalog, logger: logger)
        }
        var webServer: WebServer?
        if let (host, port) = webAddress {
            var configuration = WebConfiguration(host: host, port: port, tls: webTLS)
            configuration.trustedUserHeader = trustUserHeader
            configuration.trustedProxy = trustedProxy
            do {
                // The server's catalog: its readers serve pages while the ingest server writes,
                // and the web's few writes (sessions, audit rows) queue in this process behind
                // the ingest's instead of waiting on SQLite's lock.
                webServer = try WebServer(configuration: configuration, catalog: catalog, logger: logger)
            } catch {
                let failure = FailureTable.failure(for: error) ?? .init(message: FailureTable.sentence(String(describing: error)), status: ExitStatus.invalid)
                Console.error(failure.message)
                throw ExitCode(failure.status)
            }
        }
        let services: [any Service] = [ingestServer as (any Service)?, webServer].compactMap { $0 }
        let ingestHost = ingestAddress?.0, webHost = webAddress?.0
        do {
            try waitFor { [ingestServer, webServer] in
                let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
                // The addresses on stdout, once bound: what a supervisor or a test waits for.
                let announce = Task {
                    if let ingestServer, let ingestHost, let bound = try? await ingestServer.boundPort() {
                        Console.writeAll(1, Array("Listening on \(ingestHost):\(bound)\n".utf8))
                    }
                    if let webServer, let webHost {
                        let bound = await webServer.boundPort()
                        Console.writeAll(1, Array("Web application on \(webTLS == nil ? "http" : "https")://\(webHost.contains(":") ? "[\(webHost)]" : webHost):\(bound)/\n".utf8))
                    }
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
