public import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Where a `RecordingWriter` puts its bytes.
///
/// A sink takes whole chunks, each in one call, and can cut itself back to a chunk boundary
/// after a failed write.
public protocol ChunkSink: AnyObject {
    /// Bytes successfully written so far.
    var length: Int64 { get }
    /// Appends `bytes` in one write; on failure the sink is cut back to its previous length
    /// before the error is thrown.
    func append(_ bytes: [UInt8]) throws(FormatError)
    /// Makes written data durable (fdatasync for files).
    func sync() throws(FormatError)
    /// Releases the sink. Further calls fail.
    func close() throws(FormatError)
}

/// A sink that keeps the bytes in memory (tests, vectors, fuzzing).
public final class MemorySink: ChunkSink {
    /// The bytes written.
    public private(set) var bytes: [UInt8] = []
    /// When set, an append that would grow past this many bytes writes only up to it and
    /// fails, as a full disk would.
    public var capacity: Int?

    public init(capacity: Int? = nil) { self.capacity = capacity }

    public var length: Int64 { Int64(bytes.count) }

    public func append(_ data: [UInt8]) throws(FormatError) {
        if let capacity, bytes.count + data.count > capacity {
            let before = bytes.count
            bytes.append(contentsOf: data.prefix(max(0, capacity - bytes.count)))
            bytes.removeSubrange(before...)
            throw FormatError(.io, "No space left: the recording was cut back to its last complete chunk at byte \(before)", offset: Int64(before))
        }
        bytes.append(contentsOf: data)
    }

    public func sync() throws(FormatError) {}
    public func close() throws(FormatError) {}
}

/// A sink writing to a file opened with O_APPEND; one `write(2)` per chunk (retried on
/// EINTR and short writes), `fdatasync(2)` on request, `ftruncate(2)` back to the last chunk
/// boundary when a write fails.
public final class FileSink: ChunkSink {
    private var fd: FileDescriptor?
    /// Path of the file, for messages.
    public let path: String
    public private(set) var length: Int64 = 0

    /// Creates (or with `overwrite`, truncates) the file at `path`.
    /// - Throws: `.io` with the reason, such as "the file exists".
    public init(path: String, overwrite: Bool = false) throws(FormatError) {
        self.path = path
        var options: FileDescriptor.OpenOptions = [.create, .append, .closeOnExec]
        options.insert(overwrite ? .truncate : .exclusiveCreate)
        do {
            fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: options, permissions: [.ownerReadWrite, .groupRead])
        } catch let errno as Errno {
            throw FormatError(.io, "Cannot create \(path): \(errno.description)")
        } catch {
            throw FormatError(.io, "Cannot create \(path): \(error)")
        }
    }

    /// Creates a new file under a name nobody can predict beside `finalPath`
    /// (`FINAL.partial-` and 16 random hex digits), exclusively and never through a symbolic
    /// link, owner-only (0600): a file planted at a guessed name, or a link there, makes no
    /// difference. The caller renames it onto `finalPath` when it is complete
    /// (`rename(2)` replaces a link at `finalPath` itself, never its target) or unlinks it.
    /// - Throws: `.io` with the reason.
    public static func temporary(beside finalPath: String) throws(FormatError) -> FileSink {
        var lastError = Errno.fileExists
        for _ in 0..<8 {
            let path = finalPath + ".partial-" + String(UInt64.random(in: .min ... .max), radix: 16)
            do {
                let fd = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .append, .noFollow, .closeOnExec],
                                                 permissions: [.ownerReadWrite])
                return FileSink(path: path, fd: fd)
            } catch let errno as Errno {
                lastError = errno
                if errno != .fileExists { break }
            } catch {
                break
            }
        }
        throw FormatError(.io, "Cannot create a temporary file beside \(finalPath): \(lastError.description)")
    }

    private init(path: String, fd: FileDescriptor) {
        self.path = path
        self.fd = fd
    }

    deinit { try? fd?.close() }

    public func append(_ bytes: [UInt8]) throws(FormatError) {
        guard let fd else { throw FormatError(.misuse, "\(path) is already closed") }
        do {
            let written = try bytes.withUnsafeBytes { try fd.writeAll($0) }
            length += Int64(written)
        } catch {
            let reason = (error as? Errno)?.description ?? "\(error)"
            let cut = (try? fd.resize(to: length)) != nil
            throw FormatError(.io, "Writing \(path) failed (\(reason)); " + (cut
                ? "the file was cut back to its last complete chunk at byte \(length)"
                : "the file could not be cut back; its tail after byte \(length) is incomplete"), offset: length)
        }
    }

    public func sync() throws(FormatError) {
        guard let fd else { return }
        if fdatasync(fd.rawValue) != 0 {
            throw FormatError(.io, "fdatasync of \(path) failed: \(Errno(rawValue: errno).description)")
        }
    }

    public func close() throws(FormatError) {
        guard let fd else { return }
        self.fd = nil
        do { try fd.close() } catch { throw FormatError(.io, "Closing \(path) failed: \(error)") }
    }
}
