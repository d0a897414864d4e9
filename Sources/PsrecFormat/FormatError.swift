/// An error found in psrec bytes or raised while writing a recording.
///
/// Every error that comes from file contents carries the byte offset where it was found,
/// so callers can tell an auditor *where* a file is damaged. Equality compares the code only.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The file does not start with the psrec signature.
        case badSignature
        /// The file header fails its checksum or holds unsupported values.
        case badFileHeader
        /// A major version this reader does not implement.
        case unsupportedVersion
        /// Bytes at a chunk position do not start with the chunk magic.
        case badChunkMagic
        /// A chunk header fails its checksum.
        case badHeaderChecksum
        /// A chunk payload fails its checksum.
        case badPayloadChecksum
        /// A length, count or value is beyond a limit the Spec sets.
        case limitExceeded
        /// The file ends inside a chunk.
        case truncatedChunk
        /// A chunk's sequence number is not one above the previous chunk's.
        case badSequence
        /// Times go backwards or do not add up.
        case badTimestamp
        /// Decompression failed or did not give the declared size.
        case badCompression
        /// An event, index or metadata payload does not decode.
        case malformedPayload
        /// A critical chunk type (or codec, or flag) this reader does not know.
        case unsupportedChunk
        /// The index disagrees with the chunks it describes.
        case badIndex
        /// The trailer is present but does not check out.
        case badTrailer
        /// An I/O call failed.
        case io
        /// The caller used the API wrongly (for example appended after close).
        case misuse
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence describing the failure for people.
    public let message: String
    /// Byte offset in the file where the failure was found, when known.
    public let offset: Int64?

    /// Creates an error.
    public init(_ code: Code, _ message: String, offset: Int64? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(message) (at byte \(offset))" }
        return message
    }

    public static func == (lhs: FormatError, rhs: FormatError) -> Bool { lhs.code == rhs.code }
}

extension FormatError {
    /// Converts an error rethrown through an untyped closure back to a `FormatError`.
    static func from(_ error: any Error) -> FormatError {
        error as? FormatError ?? FormatError(.io, "\(error)")
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for closures that throw `FormatError` only.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(FormatError) -> R) throws(FormatError) -> R {
        do {
            return try withUnsafeBytes { raw in try body(raw) }
        } catch {
            throw FormatError.from(error)
        }
    }
}
