import Foundation
import PsrecFormat

/// A `.psrec` file on the capture host, read segment by segment as the protocol sends it:
/// the head (file header and META chunk), then each chunk, then the trailer. The file may
/// still be growing (its recorder writes it while the uploader reads it); a segment not yet
/// whole is `incomplete`, and is read again later.
final class SpoolFile {
    /// What is at an offset.
    enum Segment: Equatable {
        /// A whole chunk, header and payload.
        case chunk([UInt8])
        /// The file's trailer.
        case trailer([UInt8])
        /// Not yet whole: the file ends inside it (for now).
        case incomplete
        /// Bytes that are neither a chunk nor a trailer: the file is damaged here.
        case damaged(String)
    }

    let path: String
    private let descriptor: Int32

    /// Opens `path` for reading (a regular file only).
    init(path: String) throws(UploadError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { throw UploadError(.cannotRead, "Cannot open \(path): \(String(cString: strerror(errno))).") }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw UploadError(.cannotRead, "\(path) is not a regular file.")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The file's size now.
    var size: Int64 {
        var st = stat()
        return fstat(descriptor, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    /// Read straight into the array returned: no zero-filling, no copy of a short read.
    func read(at offset: Int64, count: Int) throws(UploadError) -> [UInt8] {
        guard count > 0 else { return [] }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        guard failure == 0 else { throw UploadError(.cannotRead, "Cannot read \(path): \(String(cString: strerror(failure))).") }
        return bytes
    }

    /// The head: the 32-byte file header and the META chunk; nil while the file is shorter.
    /// - Throws: `.notARecording` when the file does not start as a psrec file.
    func head() throws(UploadError) -> [UInt8]? {
        let start = try read(at: 0, count: FileHeader.size + ChunkHeader.size)
        if start.count < FileHeader.signature.count { return nil }
        guard start.starts(with: FileHeader.signature) else { throw UploadError(.notARecording, "\(path) is not a psrec file.") }
        guard start.count == FileHeader.size + ChunkHeader.size else { return nil }
        guard start[FileHeader.size...].starts(with: ChunkHeader.magic) else {
            throw UploadError(.notARecording, "\(path) has no metadata chunk after its header.")
        }
        let stored = Self.le32(start, FileHeader.size + 12)
        guard stored <= StreamLimits.maxHeadBytes - FileHeader.size - ChunkHeader.size else {
            throw UploadError(.notARecording, "\(path) has a metadata chunk of \(stored) bytes, over the protocol's bound.")
        }
        let length = FileHeader.size + ChunkHeader.size + stored
        let head = try read(at: 0, count: length)
        return head.count == length ? head : nil
    }

    /// The segment at `offset`, which must be where a chunk or the trailer may start.
    func segment(at offset: Int64) throws(UploadError) -> Segment {
        let start = try read(at: offset, count: ChunkHeader.size)
        if start.isEmpty { return .incomplete }
        if start.starts(with: ChunkHeader.magic) {
            guard start.count == ChunkHeader.size else { return .incomplete }
            let stored = Self.le32(start, 12)
            guard stored <= Limits.maxStoredLength else { return .damaged("a chunk at byte \(offset) declares \(stored) bytes") }
            let bytes = try read(at: offset, count: ChunkHeader.size + stored)
            return bytes.count == ChunkHeader.size + stored ? .chunk(bytes) : .incomplete
        }
        let trailerStart = Array("PSREC-END".utf8)
        if start.starts(with: trailerStart.prefix(start.count)) {
            let bytes = try read(at: offset, count: Trailer.size)
            return bytes.count == Trailer.size ? .trailer(bytes) : .incomplete
        }
        if ChunkHeader.magic.starts(with: start) { return .incomplete }
        return .damaged("neither a chunk nor the trailer starts at byte \(offset)")
    }

    static func le32(_ b: [UInt8], _ at: Int) -> Int {
        Int(b[at]) | Int(b[at + 1]) << 8 | Int(b[at + 2]) << 16 | Int(b[at + 3]) << 24
    }
}

public import PsrecStream

/// Why an upload stopped, with a code the CLI maps to an exit status.
public struct UploadError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The local file cannot be opened or read.
        case cannotRead
        /// The local file is not a psrec recording, or is damaged where it must be sent next.
        case notARecording
        /// The server cannot be reached, or the connection failed, after every retry.
        case unreachable
        /// The server refused, for a reason that retrying does not change.
        case refused(StreamErrorCode)
        /// The server answered with something the protocol does not allow.
        case protocolViolation
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
