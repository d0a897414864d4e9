/// Streams events into a psrec file that is valid at every chunk boundary
/// (`Spec/format.md#writing`).
///
/// ```swift
/// let writer = try RecordingWriter(path: "s.psrec", metadata: meta)
/// try writer.append(.output(bytes), atMicros: t)
/// try writer.close()
/// ```
/// Events are buffered into the current chunk, which is closed (compressed and written in
/// one `write`) when it spans `chunkIntervalMicros`, reaches `maxChunkBytes`, or right after
/// an indicator. Live capture tools also call `flushIfDue(nowMicros:)` from a timer so that
/// nothing waits in memory longer than the interval. Memory is bounded by one chunk plus
/// what the final index holds: about 8 bytes per chunk written and the text of every indicator.
///
/// A write error cuts the file back to the last complete chunk and is thrown; the writer
/// then refuses further calls, and the file on disk is a valid truncated recording.
///
/// With `WriterOptions.writeInBackground`, closed chunks are compressed on
/// `backgroundThreads` threads at once and written, indexed and synced in order while the
/// caller fills the next one (at most `backgroundThreads + 2` chunks in flight, so memory
/// grows by as many chunks); the file is byte for byte the same, and a write error is
/// thrown by a later call.
public final class RecordingWriter {
    /// The metadata written in the first chunk.
    public let metadata: RecordingMetadata
    /// The options in force.
    public let options: WriterOptions
    /// The file salt.
    public let salt: UInt64

    /// Chunks, indexes and the sink: touched by the background thread's jobs, and by this
    /// thread only when no job is in flight.
    private let output: ChunkOutput
    private let background: ChunkWriterThread?
    // Touched on every append, by one thread at a time (the writer is not thread-safe): the
    // dynamic exclusivity checks of class properties cost a fifth of a small event's append.
    @exclusivity(unchecked) private var failed: FormatError?
    @exclusivity(unchecked) private var closed = false

    // The chunk being filled.
    @exclusivity(unchecked) private var pending: EventsBuilder
    @exclusivity(unchecked) private var pendingStart: Int64 = 0
    @exclusivity(unchecked) private var pendingIndicators: [(time: Int64, kind: EventType, detail: String)] = []
    @exclusivity(unchecked) private var lastTime: Int64 = 0

    /// Chunks written so far (all types); waits for a chunk in flight.
    public var chunksWritten: Int {
        background?.drain()
        return output.chunksWritten
    }
    /// Events appended so far.
    @exclusivity(unchecked) public private(set) var eventsWritten = 0
    /// Bytes of the file so far; waits for a chunk in flight.
    public var bytesWritten: Int64 {
        background?.drain()
        return output.sink.length
    }
    /// Session time of the last event appended.
    public var lastEventMicros: Int64 { lastTime }

    /// Starts a recording in a new file at `path` (fails if it exists, unless `overwrite`).
    /// - Throws: `FormatError` when the file cannot be created or the options are invalid.
    public convenience init(path: String, metadata: RecordingMetadata, options: WriterOptions = WriterOptions(), overwrite: Bool = false) throws(FormatError) {
        try options.validate()
        try self.init(sink: FileSink(path: path, overwrite: overwrite), metadata: metadata, options: options)
    }

    /// Starts a recording on `sink`: writes the file header and the metadata chunk.
    public init(sink: any ChunkSink, metadata: RecordingMetadata, options: WriterOptions = WriterOptions()) throws(FormatError) {
        try options.validate()
        var metadata = metadata
        if let key = options.sealingKey {
            metadata.sealKeyID = key.id
            metadata.sealKeyFingerprint = key.publicKey.fingerprint
        }
        self.metadata = metadata
        self.options = options
        var salt = options.salt ?? 0
        while salt == 0 { salt = UInt64.random(in: 1...UInt64.max) }
        self.salt = salt
        pending = EventsBuilder(layout: options.eventLayout)
        // Seals are format 1.2, the columnar layout 1.1; the interleaved one is all of 1.0.
        var bytes = FileHeader(salt: salt, minor: options.minorVersion).encoded()
        output = ChunkOutput(sink: sink, salt: salt, options: options, fileHeader: bytes, recordingID: metadata.recordingID)
        let json = try metadata.encodedJSON()
        try output.appendChunk(type: .metadata, payload: json, itemCount: 0, start: 0, end: 0, into: &bytes)
        try output.sink.append(bytes)
        background = options.writeInBackground ? ChunkWriterThread(workers: options.backgroundThreads) : nil
    }

    deinit { background?.stop() }

    private func check() throws(FormatError) {
        if failed == nil, let error = background?.takeError() { failed = error }
        if let failed { throw failed }
        if closed { throw FormatError(.misuse, "The recording is already closed") }
    }

    /// Runs `work` on the output now, recording a failure (other than misuse) so that the
    /// writer refuses further calls.
    private func now(_ work: () throws(FormatError) -> Void) throws(FormatError) {
        do {
            try work()
        } catch {
            if error.code != .misuse { failed = error }
            throw error
        }
    }

    /// Waits for the chunk in flight and throws its error, if any.
    private func drain() throws(FormatError) {
        background?.drain()
        try check()
    }

    /// Appends an event at a session time.
    ///
    /// - Parameters:
    ///   - event: the event; output and input larger than `maxChunkBytes` are split.
    ///   - atMicros: microseconds since the recording start; never less than the previous event's.
    /// - Throws: `.misuse` for a time that goes backwards or an invalid event; `.io` when
    ///   writing a completed chunk fails.
    public func append(_ event: Event, atMicros time: Int64) throws(FormatError) {
        switch event {
        case .output(let bytes), .input(let bytes):
            // Array.withUnsafeBytes rethrows untyped errors: the typed one comes out in a Result.
            try bytes.withUnsafeBytes { raw in
                Result { () throws(FormatError) in try appendBytes(type: event.type, raw, atMicros: time) }
            }.get()
        default:
            try accept(time)
            try event.validateForWriting()
            try closeChunkIfSpanned(at: time)
            try appendOne(event, at: time)
        }
    }

    /// Appends terminal output straight from a buffer, as a capture loop has it after
    /// `read(2)`: no `Event` and no copy besides the one into the chunk. The file is the same
    /// as with `append(.output(Array(bytes)), atMicros:)`.
    /// - Throws: as `append(_:atMicros:)`.
    public func appendOutput(_ bytes: UnsafeRawBufferPointer, atMicros time: Int64) throws(FormatError) {
        try appendBytes(type: .output, bytes, atMicros: time)
    }

    /// Output or input: pieces of at most `maxChunkBytes`.
    private func appendBytes(type: EventType, _ bytes: UnsafeRawBufferPointer, atMicros time: Int64) throws(FormatError) {
        try accept(time)
        try closeChunkIfSpanned(at: time)
        var start = 0
        repeat {
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<min(bytes.count, start + options.maxChunkBytes)])
            try appendOne(at: time, approximateSize: piece.count + 21, indicator: nil) { builder, delta in
                builder.append(type: type, body: piece, deltaMicros: delta)
            }
            start += piece.count
        } while start < bytes.count
    }

    /// Refuses a call after a failure or close, and a time out of range or before the last.
    private func accept(_ time: Int64) throws(FormatError) {
        try check()
        guard time <= Limits.maxMicros else {
            throw FormatError(.misuse, "Event time \(time) µs is beyond the format's limit of \(Limits.maxMicros) µs")
        }
        guard time >= lastTime else {
            throw FormatError(.misuse, "Event time \(time) µs is before the previous event at \(lastTime) µs")
        }
    }

    /// Closes the chunk being filled once it spans the chunk interval at `time`.
    private func closeChunkIfSpanned(at time: Int64) throws(FormatError) {
        if pending.count > 0 && time - pendingStart >= options.chunkIntervalMicros {
            try flush()
        }
    }

    private func appendOne(_ event: Event, at time: Int64) throws(FormatError) {
        try appendOne(at: time, approximateSize: Self.approximateSize(event),
                      indicator: Indicator.detail(for: event).map { (event.type, $0) }) { builder, delta in
            builder.append(event, deltaMicros: delta)
        }
    }

    /// Adds one encoded event to the chunk being filled, closing chunks as needed.
    private func appendOne(at time: Int64, approximateSize: Int, indicator: (kind: EventType, detail: String)?,
                           encode: (inout EventsBuilder, Int64) -> Void) throws(FormatError) {
        if pending.count > 0 && pending.byteCount + approximateSize > options.maxChunkBytes {
            try flush()
        }
        if pending.count == 0 { pendingStart = time }
        let before = pending.mark
        encode(&pending, time - (pending.count == 0 ? pendingStart : lastTime))
        if pending.byteCount > Limits.maxDecodedLength {
            let size = pending.byteCount - before.byteCount
            pending.rollBack(to: before)
            throw FormatError(.misuse, "An event of \(size) bytes does not fit in a chunk")
        }
        eventsWritten += 1
        lastTime = time
        if let indicator {
            pendingIndicators.append((time, indicator.kind, indicator.detail))
            try flush()
        } else if pending.byteCount >= options.maxChunkBytes {
            try flush()
        }
    }

    /// An upper estimate of an event's encoded size, to close a chunk before it overflows.
    static func approximateSize(_ event: Event) -> Int {
        switch event {
        case .output(let b), .input(let b): b.count + 21
        case .screenKeyframe(let image): image.pixels.count + 40
        case .screenDelta(let delta): delta.rects.reduce(40) { $0 + $1.pixels.count + 20 }
        case .marker(let s), .command(let s): s.utf8.count + 21
        case .unknown(_, let body): body.count + 21
        default: 64
        }
    }

    /// Appends terminal output.
    public func output(_ bytes: [UInt8], atMicros time: Int64) throws(FormatError) { try append(.output(bytes), atMicros: time) }

    /// Closes the current chunk if it has spanned the chunk interval by `nowMicros`.
    /// Live capture calls this from a timer, so a crash loses at most one interval.
    /// When sealing, it also writes a seal once the seal interval has passed since the last
    /// one and chunks were written since, so the output before an idle spell is sealed.
    public func flushIfDue(nowMicros: Int64) throws(FormatError) {
        try check()
        try closeChunkIfSpanned(at: nowMicros)
        guard options.sealingKey != nil, nowMicros - lastSealCheck >= options.sealIntervalMicros else { return }
        lastSealCheck = nowMicros
        if let background {
            let output = output
            background.submit { (_) throws(FormatError) in
                return { () throws(FormatError) in try output.sealIfDue(atMicros: nowMicros) }
            }
        } else {
            try now { () throws(FormatError) in try output.sealIfDue(atMicros: nowMicros) }
        }
    }

    /// Session time of the last seal check by `flushIfDue`.
    @exclusivity(unchecked) private var lastSealCheck: Int64 = 0

    /// Writes the current chunk now, if it holds any event.
    public func flush() throws(FormatError) {
        try check()
        guard pending.count > 0 else { return }
        let chunk = ChunkOutput.EventsChunk(sections: pending.sections, flags: pending.chunkFlags, count: pending.count,
                                            start: pendingStart, end: lastTime, indicators: pendingIndicators)
        if let background {
            let output = output
            background.submit { (compressor) throws(FormatError) in
                let stored = try output.compress(chunk, with: compressor)
                return { () throws(FormatError) in try output.writeEvents(chunk, compressed: stored) }
            }
        } else {
            try now { () throws(FormatError) in try output.writeEvents(chunk) }
        }
        pending.removeAll()
        pendingIndicators.removeAll()
    }

    /// Flushes, writes the final index and the trailer, syncs and closes the file.
    ///
    /// - Parameter endMicros: session time the recording ends at, if later than its last event.
    /// - Throws: `.io` when a write fails (the file stays a valid truncated recording) or when the
    ///   final sync fails (the file is then complete but may not be durable).
    public func close(endMicros: Int64? = nil) throws(FormatError) {
        try check()
        try flush()
        try drain()
        let duration = min(max(lastTime, endMicros ?? 0), Limits.maxMicros)
        try now { () throws(FormatError) in try output.finish(durationMicros: duration) }
        closed = true
        background?.stop()
    }

    /// Closes the file without index or trailer, leaving a truncated recording (for tests of
    /// crash behaviour and for abandoning a broken session).
    public func abandon() throws(FormatError) {
        closed = true
        background?.stop()
        try output.sink.close()
    }
}
