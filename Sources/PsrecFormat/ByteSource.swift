import SystemPackage

/// Random-access bytes a `RecordingReader` reads from: a file or memory.
public protocol ByteSource: AnyObject {
    /// Total size in bytes.
    var size: Int64 { get }
    /// Reads up to `count` bytes at `offset` (fewer only at the end of the source).
    func read(at offset: Int64, count: Int) throws(FormatError) -> [UInt8]
    /// True when `read` may be called from two threads at once (a reader then reads ahead
    /// on a second thread). False unless a source says so.
    var concurrentReads: Bool { get }
}

extension ByteSource {
    public var concurrentReads: Bool { false }
}

/// Bytes held in memory.
public final class MemorySource: ByteSource {
    /// The bytes.
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var size: Int64 { Int64(bytes.count) }
    /// Immutable bytes: safe to read from any thread.
    public var concurrentReads: Bool { true }
    public func read(at offset: Int64, count: Int) throws(FormatError) -> [UInt8] {
        guard offset >= 0, offset <= Int64(bytes.count), count >= 0 else { return [] }
        let start = Int(offset)
        return Array(bytes[start..<min(bytes.count, start + count)])
    }
}

/// A file read with `pread(2)`.
public final class FileSource: ByteSource {
    private let fd: FileDescriptor
    /// Path of the file, for messages.
    public let path: String
    public let size: Int64

    /// Opens `path` for reading.
    /// - Throws: `.io` naming the file and the reason.
    public init(path: String) throws(FormatError) {
        self.path = path
        // Regular files only, checked on the open descriptor: a FIFO named *.psrec would
        // block every reader (verify, info, cat, import) and a device never ends.
        fd = try RegularFile.openForReading(path)
        do {
            size = try fd.seek(offset: 0, from: .end)
        } catch {
            try? fd.close()
            throw FormatError(.io, "Cannot read \(path): it is not a regular file")
        }
    }

    deinit { try? fd.close() }

    /// `pread(2)` keeps no file position: safe to read from two threads.
    public var concurrentReads: Bool { true }

    public func read(at offset: Int64, count: Int) throws(FormatError) -> [UInt8] {
        let wanted = max(0, min(Int64(count), size - offset))
        guard wanted > 0 else { return [] }
        // Not zero-filled first: only the bytes read count as initialised.
        do {
            return try [UInt8](unsafeUninitializedCapacity: Int(wanted)) { buffer, filled in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                while filled < raw.count {
                    let n = try fd.read(fromAbsoluteOffset: offset + Int64(filled), into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
                    if n == 0 { break }
                    filled += n
                }
            }
        } catch {
            throw FormatError(.io, "Reading \(path) at byte \(offset) failed: \((error as? Errno)?.description ?? "\(error)")", offset: offset)
        }
    }
}
