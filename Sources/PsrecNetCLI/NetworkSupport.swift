import ArgumentParser
import Foundation
import NIOCore
import NIOSSL
import PsrecCLI
import PsrecNetwork

/// TLS contexts for the network commands.
enum NetworkTLS {
    /// A TLS context for the server: its certificate chain and key (the key owner-only), and
    /// with `clientCA` (a PEM bundle) a client certificate required of every capture host and
    /// verified against it (`serve --client-ca`).
    static func serverTLS(certificate: String, key: String, clientCA: String? = nil) throws -> NIOSSLContext {
        let configuration = try serverConfiguration(certificate: certificate, key: key, clientCA: clientCA)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NetworkFileError("Cannot use the TLS certificate \(TerminalSafe.escape(certificate)) and key \(TerminalSafe.escape(key)): \(TerminalSafe.escape(String(describing: error))).")
        }
    }

    /// The TLS configuration `serverTLS` makes its context from; the web application's
    /// server takes it as it is (`serve --web`, without client certificates).
    static func serverConfiguration(certificate: String, key: String, clientCA: String? = nil) throws -> TLSConfiguration {
        let keyText = try NetworkFiles.secretFile(key, what: "TLS key")
        let clientRoots = try clientCA.map { try certificates(in: $0, what: "client CA file") }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw NetworkFileError("The TLS certificate file \(TerminalSafe.escape(certificate)) holds no certificate.") }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)))
            if let clientRoots {
                // A capture host's certificate names it in its subject, not a host name the
                // server could check it against; the name is looked up in the catalog instead.
                configuration.certificateVerification = .noHostnameVerification
                configuration.trustRoots = .certificates(clientRoots)
            }
            return configuration
        } catch let error as NetworkFileError {
            throw error
        } catch {
            throw NetworkFileError("Cannot use the TLS certificate \(TerminalSafe.escape(certificate)) and key \(TerminalSafe.escape(key)): \(TerminalSafe.escape(String(describing: error))).")
        }
    }

    /// A TLS context for a capture host: the server is checked against `ca` (a PEM bundle),
    /// or the system's trusted roots; with `client`, the host presents that certificate chain
    /// and key (the key owner-only).
    static func clientTLS(ca: String?, client: (certificate: String, key: String)? = nil) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let client {
            let keyText = try NetworkFiles.secretFile(client.key, what: "client key")
            let chain = try certificates(in: client.certificate, what: "client certificate file")
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem))
            } catch {
                throw NetworkFileError("The client key \(TerminalSafe.escape(client.key)) is not a PEM private key.")
            }
            configuration.certificateChain = chain.map { .certificate($0) }
        }
        if let ca { configuration.trustRoots = .certificates(try certificates(in: ca, what: "CA file")) }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            if let client {
                throw NetworkFileError("The client key \(TerminalSafe.escape(client.key)) is not the private key of the certificate \(TerminalSafe.escape(client.certificate)).")
            }
            throw NetworkFileError("Cannot use the CA file \(TerminalSafe.escape(ca ?? "(system)")): \(TerminalSafe.escape(String(describing: error))).")
        }
    }

    /// The PEM certificates in `path`: at least one, else a sentence saying why not.
    static func certificates(in path: String, what: String) throws -> [NIOSSLCertificate] {
        let shown = TerminalSafe.escape(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            let why = access(path, F_OK) == 0 ? "it cannot be read" : "it does not exist"
            throw NetworkFileError("Cannot read the \(what) \(shown): \(why).")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN CERTIFICATE-----") else {
            throw NetworkFileError(data.isEmpty ? "The \(what) \(shown) is empty; it must hold PEM certificates." : "The \(what) \(shown) holds no PEM certificate.")
        }
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(Array(data)), !certificates.isEmpty else {
            throw NetworkFileError("The \(what) \(shown) holds a PEM certificate that cannot be read.")
        }
        return certificates
    }

    /// The upload target of `--server` and the capture host's credentials.
    static func target(_ server: ServerURL, credentials: HostCredentials, ca: String?) throws -> UploadTarget {
        switch credentials {
        case .token(let file):
            return UploadTarget(host: server.host, port: server.port, tls: server.insecure ? nil : try clientTLS(ca: ca), token: try NetworkFiles.token(file))
        case .certificate(let certificate, let key):
            // ServerOptions refuses a client certificate without TLS.
            return UploadTarget(host: server.host, port: server.port, tls: try clientTLS(ca: ca, client: (certificate, key)), token: [])
        }
    }
}

/// How a capture host proves who it is to the server.
enum HostCredentials {
    /// `--token-file`: the token `psrec host add` printed.
    case token(file: String)
    /// `--client-cert`, `--client-key`: a TLS client certificate naming the host.
    case certificate(String, key: String)
}

/// `--server`, `--token-file` (or `--client-cert` and `--client-key`) and `--ca` of `upload`,
/// `follow` and `policy`.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server: psrec://HOST:PORT, or psrec+insecure://127.0.0.1:PORT for a loopback server without TLS.", valueName: "url"))
    var server: ServerURL

    @Option(name: .customLong("token-file"), help: ArgumentHelp("The capture host's token (psrec host add), in a file readable by its owner only.", valueName: "file"))
    var tokenFile: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("Instead of a token: the capture host's TLS client certificate (PEM), naming the host in its subject common name, for a server started with --client-ca.", valueName: "file"))
    var clientCert: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("The client certificate's private key (PEM, readable by its owner only).", valueName: "file"))
    var clientKey: String?

    @Option(help: ArgumentHelp("CA certificates (PEM) that the server's certificate must chain to (default: the system's).", valueName: "file"))
    var ca: String?

    func validate() throws {
        if (clientCert == nil) != (clientKey == nil) { throw ValidationError("--client-cert and --client-key go together: the certificate and its private key.") }
        switch (tokenFile, clientCert) {
        case (nil, nil): throw ValidationError("Give --token-file, or --client-cert and --client-key: the server admits a capture host by one of them.")
        case (.some, .some): throw ValidationError("--token-file and --client-cert are two ways for the capture host to prove who it is; give one.")
        default: break
        }
        if clientCert != nil && server.insecure { throw ValidationError("--client-cert needs TLS, and psrec+insecure:// has none; give the server as psrec://.") }
    }

    var credentials: HostCredentials {
        if let clientCert, let clientKey { return .certificate(clientCert, key: clientKey) }
        return .token(file: tokenFile!)
    }

    /// The upload target, or the sentence on stderr and exit 64.
    func target() throws -> UploadTarget {
        do {
            return try NetworkTLS.target(server, credentials: credentials, ca: ca)
        } catch let error as NetworkFileError {
            Console.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
    }
}

/// Runs async work from a synchronous command and waits for it.
func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.set(.success(try await work())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    done.wait()
    return try box.get()!.get()
}

/// A result handed from a task to the thread waiting for it.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ result: Result<T, any Error>) { lock.lock(); value = result; lock.unlock() }
    func get() -> Result<T, any Error>? { lock.lock(); defer { lock.unlock() }; return value }
}
