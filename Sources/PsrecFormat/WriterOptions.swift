/// How a `RecordingWriter` cuts chunks, compresses and syncs (`Spec/format.md#writing`).
public struct WriterOptions: Sendable {
    /// When to call fdatasync besides at close.
    public enum SyncPolicy: Sendable, Equatable {
        /// Only at close.
        case onClose
        /// After every chunk.
        case everyChunk
        /// After the first chunk written at least this many seconds of wall time after the last sync.
        case everySeconds(Double)
    }

    /// Payload compression.
    public var codec: Codec = .zstd
    /// Layout of EVENTS payloads: columnar (format 1.1, the default: smaller files) or
    /// interleaved (1.0, for readers that only know 1.0). The file header's minor version
    /// follows it.
    public var eventLayout: EventLayout = .columnar
    /// Compression level; nil for the codec's default.
    public var level: Int? = nil
    /// A chunk is closed once it spans this much session time (default 1 s).
    public var chunkIntervalMicros: Int64 = 1_000_000
    /// A chunk is closed once its decoded payload reaches this size (default 256 KiB).
    public var maxChunkBytes: Int = 256 * 1024
    /// A partial index chunk is written after this many EVENTS chunks (default 64).
    public var indexEveryChunks: Int = 64
    /// fdatasync schedule.
    public var sync: SyncPolicy = .everySeconds(5)
    /// Fixed salt, for reproducible test vectors only; nil draws a random one.
    public var salt: UInt64? = nil
    /// Compress, write and sync closed chunks on background threads while the next one
    /// fills (`backgroundThreads + 2` chunks in flight at most; the file is byte for byte the
    /// same). For offline conversion and for capture loops that must not wait on compression
    /// or fdatasync; a write error is then thrown by a later call.
    public var writeInBackground = false
    /// With `writeInBackground`: how many chunks may be compressed at once, each on its own
    /// thread (1–8, default 2). Offline conversion gains from 2 on two cores; a live capture
    /// that shares the machine with the session it records may prefer 1.
    public var backgroundThreads = 2
    /// The key that seals the recording (format 1.2, `Spec/format.md#seals`): SEAL chunks
    /// every `sealIntervalMicros` of session time and at close, and the key's name and
    /// fingerprint in the metadata. Nil writes no seals (format 1.0 or 1.1 by `eventLayout`).
    public var sealingKey: SealingKey? = nil
    /// With `sealingKey`: a seal is written once this much session time has passed since the
    /// previous one (default 60 s), when a chunk is written or `flushIfDue` is called.
    public var sealIntervalMicros: Int64 = 60_000_000

    public init(codec: Codec = .zstd, level: Int? = nil) {
        self.codec = codec
        self.level = level
    }

    /// The minor format version the file header states: 2 when sealing, 1 for the columnar
    /// layout, otherwise 0.
    public var minorVersion: UInt8 { sealingKey != nil ? 2 : eventLayout == .columnar ? 1 : 0 }

    /// The level that will be used.
    public var effectiveLevel: Int { level ?? codec.defaultLevel }

    /// Checks the options; thrown errors are sentences naming the option.
    public func validate() throws(FormatError) {
        guard codec.levels.contains(effectiveLevel) else {
            throw FormatError(.misuse, "Compression level \(effectiveLevel) is not valid for \(codec) (use \(codec.levels.lowerBound)…\(codec.levels.upperBound))")
        }
        guard chunkIntervalMicros > 0 else { throw FormatError(.misuse, "The chunk interval must be positive") }
        guard (1024...(Limits.maxDecodedLength / 2)).contains(maxChunkBytes) else {
            throw FormatError(.misuse, "The chunk size bound must be between 1 KiB and \(Limits.maxDecodedLength / 2) bytes")
        }
        guard indexEveryChunks >= 1 else { throw FormatError(.misuse, "The index interval must be at least one chunk") }
        guard sealIntervalMicros > 0 else { throw FormatError(.misuse, "The seal interval must be positive") }
        guard (1...8).contains(backgroundThreads) else { throw FormatError(.misuse, "The number of background threads must be between 1 and 8") }
    }
}
