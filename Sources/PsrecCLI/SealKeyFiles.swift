import Foundation
import PsrecFormat
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Reading and creating the key files of `psrec key`, `--sign-key` and `--trust`
/// (`Spec/format.md#seals`; the file formats are in the README).
enum SealKeyFiles {
    /// Creates `path` with `text`, mode `mode`, refusing an existing file or a symbolic link
    /// (`open(2)` with `O_CREAT | O_EXCL | O_NOFOLLOW`), and syncs it.
    static func create(_ path: String, text: String, mode: FilePermissions) throws {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                                         permissions: mode, retryOnInterrupt: true)
        } catch {
            let reason = (error as? Errno) == .fileExists ? "it exists already (a key is never overwritten)" : ((error as? Errno)?.description ?? "\(error)")
            throw CommandFailure("Cannot create \(TerminalSafe.escape(path)): \(reason).")
        }
        // The umask may have taken bits away, never added: set exactly the mode asked for.
        _ = fchmod(fd.rawValue, mode.rawValue)
        let written = Array(text.utf8).withUnsafeBytes { SystemCalls.writeAll(fd.rawValue, $0) }
        let synced = fsync(fd.rawValue) == 0
        try? fd.close()
        guard written && synced else {
            unlink(path)
            throw CommandFailure("Cannot write \(TerminalSafe.escape(path)): \(Errno(rawValue: errno).description).")
        }
    }

    /// The text of a key file of at most 4 KiB.
    static func read(_ path: String) throws -> (text: String, mode: mode_t) {
        let fd: FileDescriptor
        do {
            fd = try RegularFile.openForReading(path)
        } catch {
            throw CommandFailure("Cannot read the key file \(TerminalSafe.escape(path)): \(error.message).")
        }
        defer { try? fd.close() }
        var status = stat()
        _ = fstat(fd.rawValue, &status)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = (try? buffer.withUnsafeMutableBytes { try fd.read(into: $0) }) ?? 0
        guard let text = String(validating: buffer.prefix(count), as: UTF8.self) else {
            throw CommandFailure("\(TerminalSafe.escape(path)) is not a psrec key file.")
        }
        return (text, status.st_mode)
    }

    /// The private key in `path`, refused when others than its owner may read it.
    static func sealingKey(_ path: String) throws -> SealingKey {
        let (text, mode) = try read(path)
        let key: SealingKey
        do {
            key = try SealingKey.parse(fileText: text)
        } catch {
            throw CommandFailure("\(TerminalSafe.escape(path)): \(error.message).")
        }
        guard mode & 0o077 == 0 else {
            throw CommandFailure("The private key \(TerminalSafe.escape(path)) may be read by others (mode \(String(mode & 0o777, radix: 8))); `chmod 600` it, or make a new key if others have read it.")
        }
        return key
    }

    /// A public key file, or the public half of a private key file.
    static func publicKey(_ path: String) throws -> SealPublicKey {
        let (text, _) = try read(path)
        if text.hasPrefix(SealingKey.fileTag) {
            do { return try SealingKey.parse(fileText: text).publicKey } catch {
                throw CommandFailure("\(TerminalSafe.escape(path)): \(error.message).")
            }
        }
        do { return try SealPublicKey.parse(fileText: text) } catch {
            throw CommandFailure("\(TerminalSafe.escape(path)): \(error.message).")
        }
    }

    /// The trust store of `--trust`: each path a public key file, or a directory whose `*.pub`
    /// files are public keys.
    static func trustStore(_ paths: [String]) throws -> Set<SealPublicKey> {
        var keys = Set<SealPublicKey>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw CommandFailure("The trusted key \(TerminalSafe.escape(path)) does not exist.")
            }
            if !isDirectory.boolValue {
                keys.insert(try publicKey(path))
                continue
            }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasSuffix(".pub") }.sorted()
            guard !names.isEmpty else { throw CommandFailure("The directory \(TerminalSafe.escape(path)) holds no *.pub key files.") }
            for name in names { keys.insert(try publicKey((path as NSString).appendingPathComponent(name))) }
        }
        return keys
    }
}
