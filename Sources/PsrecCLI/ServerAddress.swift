import ArgumentParser
import Foundation

/// A server address as the capture side gives it: `psrec://HOST:PORT` (TLS) or
/// `psrec+insecure://HOST:PORT` for a loopback server started with `--insecure-loopback`.
package struct ServerURL: ExpressibleByArgument, Sendable {
    package var host: String
    package var port: Int
    package var insecure: Bool

    package init?(argument: String) {
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

    package static var defaultValueDescription: String { "psrec://HOST:PORT" }
}

/// `HOST:PORT` for `serve --listen`.
package enum ListenAddress {
    /// Splits `HOST:PORT` (`[::1]:PORT` for IPv6).
    package static func split(_ text: String, what: String) throws -> (String, Int) {
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

    /// True for an IPv4 or IPv6 address written as numbers (no host name).
    package static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// True for `localhost`, 127.0.0.0/8 and ::1.
    package static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { $0.prefix(15).allSatisfy { $0 == 0 } && $0[15] == 1 }
    }
}

/// Reading the secrets and certificates the network commands are given.
package enum NetworkFiles {
    /// The token in `path`, which must be readable by its owner only (as ssh wants of a key).
    package static func token(_ path: String) throws -> [UInt8] {
        let text = try secretFile(path, what: "token file")
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty, token.utf8.count <= 256, !token.contains(where: { $0.isWhitespace }) else {
            throw NetworkFileError("The token file \(TerminalSafe.escape(path)) does not hold one token (psrec host add prints it).")
        }
        return Array(token.utf8)
    }

    /// A file's text, refused when group or others may read it.
    ///
    /// The file is opened once, never through a symbolic link, and its mode is checked and its
    /// text read on that one descriptor: it cannot be swapped between the check and the read.
    package static func secretFile(_ path: String, what: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else {
            let why = errno == ELOOP ? "it is a symbolic link" : String(cString: strerror(errno))
            throw NetworkFileError("Cannot read the \(what) \(TerminalSafe.escape(path)): \(why).")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            throw NetworkFileError("The \(what) \(TerminalSafe.escape(path)) is not a regular file.")
        }
        if st.st_mode & 0o077 != 0 {
            throw NetworkFileError("The \(what) \(TerminalSafe.escape(path)) may be read by other users (mode \(String(st.st_mode & 0o777, radix: 8))); make it readable by its owner only (chmod 600).")
        }
        var bytes = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 1 << 20 {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw NetworkFileError("Cannot read the \(what) \(TerminalSafe.escape(path)): \(String(cString: strerror(errno))).") }
            if n == 0 { break }
            bytes += buffer[..<n]
        }
        guard bytes.count <= 1 << 20, let text = String(validating: bytes, as: UTF8.self) else {
            throw NetworkFileError("The \(what) \(TerminalSafe.escape(path)) is not a text file of at most 1 MiB.")
        }
        return text
    }

}

/// A file the network commands cannot use: a usage error (exit 64) with its sentence.
package struct NetworkFileError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

