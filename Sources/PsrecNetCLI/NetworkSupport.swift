import ArgumentParser
import Foundation
import NIOCore
import NIOSSL
import PsrecCLI
import PsrecNetwork

/// TLS contexts for the network commands.
enum NetworkTLS {
    /// A TLS context for the server: its certificate chain and key (the key owner-only).
    static func serverTLS(certificate: String, key: String) throws -> NIOSSLContext {
        let keyText = try NetworkFiles.secretFile(key, what: "TLS key")
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw NetworkFileError("The TLS certificate file \(TerminalSafe.escape(certificate)) holds no certificate.") }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(keyText.utf8), format: .pem)))
            return try NIOSSLContext(configuration: configuration)
        } catch let error as NetworkFileError {
            throw error
        } catch {
            throw NetworkFileError("Cannot use the TLS certificate \(TerminalSafe.escape(certificate)) and key \(TerminalSafe.escape(key)): \(TerminalSafe.escape(String(describing: error))).")
        }
    }

    /// A TLS context for a capture host: the server is checked against `ca` (a PEM bundle),
    /// or the system's trusted roots.
    static func clientTLS(ca: String?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        do {
            if let ca { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw NetworkFileError("Cannot use the CA file \(TerminalSafe.escape(ca ?? "(system)")): \(TerminalSafe.escape(String(describing: error))).")
        }
    }

    /// The upload target of `--server`, `--token-file` and `--ca`.
    static func target(_ server: ServerURL, tokenFile: String, ca: String?) throws -> UploadTarget {
        UploadTarget(host: server.host, port: server.port, tls: server.insecure ? nil : try clientTLS(ca: ca), token: try NetworkFiles.token(tokenFile))
    }
}

/// `--server`, `--token-file` and `--ca` of `upload`, `follow` and `policy`.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The server: psrec://HOST:PORT, or psrec+insecure://127.0.0.1:PORT for a loopback server without TLS.", valueName: "url"))
    var server: ServerURL

    @Option(name: .customLong("token-file"), help: ArgumentHelp("The capture host's token (psrec host add), in a file readable by its owner only.", valueName: "file"))
    var tokenFile: String

    @Option(help: ArgumentHelp("CA certificates (PEM) that the server's certificate must chain to (default: the system's).", valueName: "file"))
    var ca: String?

    /// The upload target, or the sentence on stderr and exit 64.
    func target() throws -> UploadTarget {
        do {
            return try NetworkTLS.target(server, tokenFile: tokenFile, ca: ca)
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
