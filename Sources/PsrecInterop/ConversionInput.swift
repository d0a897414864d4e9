#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PsrecFormat
import SystemPackage

/// A stream of input bytes `Converter` reads block by block, so a multi-gigabyte recording
/// never sits in memory whole.
public protocol ConversionInput: AnyObject {
    /// Name used in error messages, such as the path as the user gave it.
    var name: String { get }
    /// Reads up to `buffer.count` bytes; returns 0 at the end of the input.
    /// - Throws: `ConversionError(.unreadableInput)` when reading fails.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int
}

/// Input held in memory (tests, fuzzing, data already downloaded).
public final class MemoryInput: ConversionInput {
    public let name: String
    private let bytes: [UInt8]
    private var position = 0

    /// Reads `bytes`; `name` appears in error messages.
    public init(_ bytes: [UInt8], name: String = "input") {
        self.bytes = bytes
        self.name = name
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { raw in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Input read from a file with `open(2)` and `read(2)` (retried on EINTR), closed in `deinit`.
public final class FileInput: ConversionInput {
    public let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool

    /// Reads an already open descriptor, such as standard input (0), without closing it.
    /// - Parameter name: how error messages name the input, such as "standard input".
    public init(fileDescriptor: Int32, name: String) {
        self.name = name
        fd = fileDescriptor
        ownsDescriptor = false
    }

    /// Opens `path` for reading.
    /// - Throws: `ConversionError(.unreadableInput)` naming the reason (no such file, permission).
    public init(path: String) throws(ConversionError) {
        name = path
        ownsDescriptor = true
        // Checked before opening, so that no descriptor is open when this initializer throws.
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            fd = -1
            throw ConversionError(.unreadableInput, file: path, reason: "is a directory, not a recording")
        }
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ConversionError(.unreadableInput, file: path, reason: "cannot be opened (\(String(cString: strerror(errno))))")
        }
    }

    deinit { if ownsDescriptor && fd >= 0 { close(fd) } }

    /// Modification time in microseconds since 1970, when `fstat(2)` tells it (regular files only).
    public var modificationUnixMicros: Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000 + Int64(info.st_mtim.tv_nsec) / 1000
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        do {
            return try SystemCalls.read(fd, into: UnsafeMutableRawBufferPointer(start: base, count: buffer.count))
        } catch {
            throw ConversionError(.unreadableInput, file: name, reason: "cannot be read (\(error.description))")
        }
    }
}
