import ArgumentParser
import Foundation
import HummingbirdBcrypt
import PsrecCatalog

/// Reading a new web password and hashing it (`psrec user add|passwd`).
enum PasswordInput {
    /// Shortest password accepted, in bytes.
    static let minimumBytes = 12
    /// bcrypt reads at most 72 bytes: a longer password would have a tail that changes
    /// nothing, so it is refused rather than silently cut.
    static let maximumBytes = 72

    /// The bcrypt hash of the password `source` gives, checked first.
    /// - Throws: `ExitCode(64)` after saying why on stderr.
    static func hash(_ source: UserCommand.PasswordSource) throws -> String {
        let password: String
        do {
            password = try read(source)
            try check(password)
        } catch let error as NetworkFileError {
            Console.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        return Bcrypt.hash(password, cost: Catalog.passwordHashCost)
    }

    static func read(_ source: UserCommand.PasswordSource) throws -> String {
        if let file = source.passwordFile {
            return firstLine(try NetworkFiles.secretFile(file, what: "password file"))
        }
        if isatty(0) != 1 {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1024)
            while bytes.count <= 4096 {
                let n = Foundation.read(0, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { break }
                bytes += buffer[..<n]
                if bytes.contains(UInt8(ascii: "\n")) { break }
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw NetworkFileError("The password on standard input is not UTF-8 text.")
            }
            return firstLine(text)
        }
        let first = try prompt("Password for the web login: ")
        let second = try prompt("The same password again: ")
        guard first == second else { throw NetworkFileError("The two passwords differ; nothing was changed.") }
        return first
    }

    /// Checks the length, in bytes as bcrypt counts them.
    static func check(_ password: String) throws {
        let length = password.utf8.count
        if length < minimumBytes {
            throw NetworkFileError("The password has \(length) bytes; a web password needs at least \(minimumBytes).")
        }
        if length > maximumBytes {
            throw NetworkFileError("The password has \(length) bytes; bcrypt uses only the first \(maximumBytes), so give at most \(maximumBytes).")
        }
        if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw NetworkFileError("The password contains a control character; give printable characters only.")
        }
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }

    /// Asks on the terminal (standard input) with echo off (tcsetattr), and turns echo on again.
    private static func prompt(_ text: String) throws -> String {
        Console.writeAll(2, Array(text.utf8))
        var saved = termios()
        guard tcgetattr(0, &saved) == 0 else { throw NetworkFileError("Cannot read a password from the terminal: \(String(cString: strerror(errno))).") }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(0, TCSAFLUSH, &silent)
        defer {
            _ = tcsetattr(0, TCSAFLUSH, &saved)
            Console.writeAll(2, Array("\n".utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else {
            throw NetworkFileError("No password was typed (end of input).")
        }
        return line
    }
}
