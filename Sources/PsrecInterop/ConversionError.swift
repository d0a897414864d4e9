/// Why a conversion failed: what is wrong, in which file, and where.
///
/// `description` is one sentence a user can act on, such as
/// `demo.cast line 7: expected a JSON array [time, code, data]`.
/// Equality compares the code only.
public struct ConversionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The input cannot be opened or read.
        case unreadableInput
        /// The content is none of the formats `InputFormat` lists.
        case unknownFormat
        /// The asciicast header (or v1 document) is not what the format requires.
        case malformedHeader
        /// An asciicast event line (or v1 frame) does not parse.
        case malformedLine
        /// The last asciicast line is cut short, as after a torn write.
        case truncatedLine
        /// A ttyrec frame header declares an impossible length.
        case malformedFrame
        /// The input ends inside a ttyrec frame.
        case truncatedFrame
        /// A data file (script typescript, sudo `ttyout`) ends before the bytes its timing
        /// file counts.
        case truncatedData
        /// The recording cannot be written.
        case outputFailed
        /// The output path names one of the inputs (by device and inode) or lies inside the
        /// sudo I/O log folder being converted.
        case outputIsInput
        /// The input is one file of a recording that spans several (a `script` typescript
        /// without its timing file, a timing file whose logs are not beside it).
        case needsMoreFiles
    }

    /// What kind of failure this is.
    public let code: Code
    /// The input (or output, for `.outputFailed`) as the caller named it.
    public let file: String
    /// 1-based line of the input, when the failure is in a line.
    public let line: Int?
    /// Byte offset in the input, when the failure is in a binary frame.
    public let offset: Int64?
    /// What is wrong, without the location.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, file: String, line: Int? = nil, offset: Int64? = nil, reason: String) {
        self.code = code
        self.file = file
        self.line = line
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        if let line { return "\(file) line \(line): \(reason)" }
        if let offset { return "\(file) at byte \(offset): \(reason)" }
        return "\(file): \(reason)"
    }

    public static func == (lhs: ConversionError, rhs: ConversionError) -> Bool { lhs.code == rhs.code }
}
