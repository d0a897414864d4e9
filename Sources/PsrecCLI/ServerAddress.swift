import ArgumentParser
import Foundation
import NIOCore
import NIOSSL
import PsrecNetwork

/// A server address as the capture side gives it: `psrec://HOST:PORT` (TLS) or
/// `psrec+insecure://HOST:PORT` for a loopback server started with `--insecure-loopback`.
struct ServerURL: ExpressibleByArgument, Sendable {
    var host: String
    var port: Int
    var insecure: Bool

    init?(argument: String) {
        guard let url = try? Self.parse(argument) else { return nil }
        self = url
    }

    init(host: String, port: Int, insecure: Bool) {
        self.host = host
        self.port = port
        self.insecure = insecure
    }

    static func parse(_ text: String) throws -> ServerURL {
        let schemes = [("psrec://", false), ("psrec+insecure://", true)]
        guard let (scheme, insecure) = schemes.first(where: { text.hasPrefix($0.0) }) else {
            throw ValidationError("--server: write psrec://HOST:PORT (or psrec+insecure://127.0.0.1:PORT for a loopback server without TLS).")
        }
        let (host, port) = try ListenAddress.split(String(text.dropFirst(scheme.count)), what: "--server")
        if insecure && !ListenAddress.isLoopback(host) {
            throw ValidationError("--server: psrec+insecure:// is for a loopback address only; \(TerminalSafe.escape(host)) is not one.")
        }
        return ServerURL(host: host, port: port, insecure: insecure)
    }

    static var defaultValueDescription: String { "psrec://HOST:PORT" }
}

/// `HOST:PORT` for `serve --listen`.
enum ListenAddress {
    /// Splits `HOST:PORT` (`[::1]:PORT` for IPv6).
    static func split(_ text: String, what: String) throws -> (String, Int) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ValidationError("\(what): write [ADDRESS]:PORT for an IPv6 address.") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ValidationError("\(what): write HOST:PORT, e.g. 127.0.0.1:7480.") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:_".contains($0) }), host.unicodeScalars.allSatisfy(\.isASCII) else {
            throw ValidationError("\(what): '\(TerminalSafe.escape(String(host)))' is not a host name or address.")
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("\(what): '\(TerminalSafe.escape(String(portText)))' is not a port (0 to 65535).")
        }
        return (String(host), port)
    }

    /// True for `localhost`, 127.0.0.0/8 and ::1.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0) else { return false }
        switch address {
        case .v4(let v4): return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6: return host == "::1" || host == "0:0:0:0:0:0:0:1"
        default: return false
        }
    }
}

/// Reading the secrets and certificates the network commands are given.
enum NetworkFiles {
    /// The token in `path`, which must be readable by its owner only (as ssh wants of a key).
    static func token(_ path: String) throws -> [UInt8] {
        let text = try secretFile(path, what: "token file")
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.count <= 256, !token.contains(where: { $0.isWhitespace }) else {
            throw NetworkFileError("The token file \(TerminalSafe.escape(path)) does not hold one token (psrec host add prints it).")
        }
        return Array(token.utf8)
    }

    /// A file's text, refused when group or others may read it.
    static func secretFile(_ path: String, what: String) throws -> String {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw NetworkFileError("Cannot read the \(what) \(TerminalSafe.escape(path)): \(String(cString: strerror(errno))).")
        }
        if st.st_mode & 0o077 != 0 {
            throw NetworkFileError("The \(what) \(TerminalSafe.escape(path)) may be read by other users (mode \(String(st.st_mode & 0o777, radix: 8))); make it readable by its owner only (chmod 600).")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw NetworkFileError("Cannot read the \(what) \(TerminalSafe.escape(path)).")
        }
        return text
    }

    /// A TLS context for the server: its certificate chain and key (the key owner-only).
    static func serverTLS(certificate: String, key: String) throws -> NIOSSLContext {
        _ = try secretFile(key, what: "TLS key")
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            guard !chain.isEmpty else { throw NetworkFileError("The TLS certificate file \(TerminalSafe.escape(certificate)) holds no certificate.") }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
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
        UploadTarget(host: server.host, port: server.port, tls: server.insecure ? nil : try clientTLS(ca: ca), token: try token(tokenFile))
    }
}

/// A file the network commands cannot use: a usage error (exit 64) with its sentence.
struct NetworkFileError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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
