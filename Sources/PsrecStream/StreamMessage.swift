public import PsrecFormat

/// One message of the ingest protocol (`Spec/protocol.md`).
///
/// On the wire every message is a 5-byte prefix, a little-endian `u32` length (of the type
/// byte and the body) and a type byte, followed by the body. Chunks and trailers travel as
/// they are in the file: a `chunk` body is a file offset and the chunk's bytes, header
/// and payload, unchanged.
public enum StreamMessage: Equatable, Sendable {
    // Capture host to server.
    /// Opens a recording: the protocol version, the host's token, and the file's first
    /// bytes: its header and its META chunk.
    case hello(version: UInt16, token: [UInt8], head: [UInt8])
    /// One chunk of the file at `offset`, header and payload as stored.
    case chunk(offset: Int64, bytes: [UInt8])
    /// The file's trailer at `offset`: the recording is complete.
    case trailer(offset: Int64, bytes: [UInt8])
    /// The file ends at `offset` without a trailer: its recorder stopped (killed, host
    /// rebooted) and nothing more will come from this file.
    case end(offset: Int64)
    /// Asks whether an application is recorded, and under which policy, before a session starts.
    case query(version: UInt16, token: [UInt8], application: String)

    // Server to capture host.
    /// Answers `hello`: how far the server has the recording.
    case welcome(StreamPosition)
    /// Everything up to `position.committedBytes` is committed and on disk; `sequence` is the
    /// chunk just stored (the trailer's ack repeats the last chunk's).
    case ack(sequence: UInt32, position: StreamPosition)
    /// Answers `query`.
    case policy(recording: Bool, strict: Bool)
    /// A refusal; the server closes the connection after it.
    case error(StreamErrorCode, String)

    /// The message's type byte.
    public var type: StreamMessageType {
        switch self {
        case .hello: .hello
        case .chunk: .chunk
        case .trailer: .trailer
        case .end: .end
        case .query: .query
        case .welcome: .welcome
        case .ack: .ack
        case .policy: .policy
        case .error: .error
        }
    }
}

/// How far the server has a recording.
public struct StreamPosition: Equatable, Sendable {
    /// Bytes of the file the server holds: where the next chunk starts.
    public var committedBytes: Int64
    /// The sequence number of the next chunk.
    public var nextSequence: UInt32
    /// True once the trailer is stored: nothing more is accepted.
    public var complete: Bool

    public init(committedBytes: Int64, nextSequence: UInt32, complete: Bool) {
        self.committedBytes = committedBytes
        self.nextSequence = nextSequence
        self.complete = complete
    }
}

/// The type byte of each message.
public enum StreamMessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case chunk = 0x02
    case trailer = 0x03
    case end = 0x04
    case query = 0x05
    case welcome = 0x81
    case ack = 0x82
    case policy = 0x83
    case error = 0x84

    /// The largest length (type byte and body) a message of this type may declare; a larger
    /// one is refused before its body is read or any memory is set aside for it.
    public var maxLength: Int {
        switch self {
        case .hello: 1 + 2 + 2 + StreamLimits.maxTokenBytes + 4 + StreamLimits.maxHeadBytes
        case .chunk: 1 + 8 + ChunkHeader.size + Limits.maxStoredLength
        case .trailer: 1 + 8 + Trailer.size
        case .end: 1 + 8
        case .query: 1 + 2 + 2 + StreamLimits.maxTokenBytes + 2 + StreamLimits.maxApplicationBytes
        case .welcome: 1 + 13
        case .ack: 1 + 4 + 13
        case .policy: 1 + 2
        case .error: 1 + 2 + 2 + StreamLimits.maxErrorMessageBytes
        }
    }

    /// True for the messages a capture host sends.
    public var isFromHost: Bool { rawValue < 0x80 }
}

/// The protocol's bounds (`Spec/protocol.md#limits`).
public enum StreamLimits {
    /// The protocol version this implementation speaks.
    public static let version: UInt16 = 1
    /// Most bytes of a token.
    public static let maxTokenBytes = 256
    /// Most bytes of a `hello`'s head: the file header and a META chunk whose stored payload
    /// is at most 1 MiB (its decoded payload may be no larger, `Spec/format.md#limits`).
    public static let maxHeadBytes = FileHeader.size + ChunkHeader.size + Limits.maxMetadataLength
    /// Most bytes of an application name in a `query`.
    public static let maxApplicationBytes = 255
    /// Most bytes of an error's sentence.
    public static let maxErrorMessageBytes = 1024
    /// Bytes of the prefix: length and type.
    public static let prefixBytes = 5
}

/// Why a server refuses (`Spec/protocol.md#errors`). Codes marked retryable leave the
/// recording as it was: the capture host reconnects later and resumes from the welcome.
public enum StreamErrorCode: UInt16, Sendable, CaseIterable {
    /// A message that does not parse: an unknown type, a length out of bounds, a body that
    /// does not match its type, or a message out of place in the conversation.
    case malformed = 1
    /// A protocol version the server does not speak.
    case unsupportedVersion = 2
    /// An unknown or revoked token.
    case unauthenticated = 3
    /// The recording was started by another host, or imported from a file.
    case notYours = 4
    /// The server holds this recording ID with a different header or metadata.
    case conflict = 5
    /// A chunk not at the offset or sequence where the server is.
    case outOfOrder = 6
    /// A chunk, trailer or head that fails the format's checks.
    case badChunk = 7
    /// The recording is complete; nothing more is accepted.
    case complete = 8
    /// The server cannot store now (disk full, catalog busy): retry later.
    case unavailable = 9
    /// The server is stopping: retry later, on it or another.
    case shuttingDown = 10
    /// No complete message arrived in time.
    case timeout = 11
    /// The server failed in a way not listed here.
    case internalError = 12

    /// True when the capture host should reconnect later and resume.
    public var isRetryable: Bool {
        switch self {
        case .outOfOrder, .unavailable, .shuttingDown, .timeout, .internalError: true
        default: false
        }
    }
}

/// A message that does not parse, with the sentence that says why.
public struct StreamDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
