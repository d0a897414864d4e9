import Foundation

/// Turns payloads into chunks on the sink: compression, checksums and sequence numbers, the
/// partial and final indexes, the trailer and the sync schedule. Used by one thread at a time.
final class ChunkOutput {
    /// A closed EVENTS chunk on its way to the file.
    struct EventsChunk {
        /// The decoded payload in parts (`EventsBuilder.sections`).
        var sections: [[UInt8]]
        var flags: UInt16
        var count: Int
        var start: Int64
        var end: Int64
        var indicators: [(time: Int64, kind: EventType, detail: String)]
    }

    let sink: any ChunkSink
    let salt: UInt64
    let options: WriterOptions
    private let compressor = Compressor()
    private var sequence: UInt32 = 0
    private(set) var chunksWritten = 0
    private var lastSync = ContinuousClock.now
    // Index state: entries since the last partial index, and the running final index.
    private var partial = IndexBuilder()
    private var final = IndexBuilder()
    private var previousIndexOffset: Int64?

    // Sealing state (format 1.2): nil chain when the writer does not seal.
    private var chain: SealChain?
    private let recordingID: UUID
    private var lastSealMicros: Int64 = 0
    /// The largest `end_us` written so far: a seal's time, so that it never goes before a chunk.
    private var lastEndMicros: Int64 = 0

    /// - Parameters:
    ///   - fileHeader: the 32 bytes of the file header, where the seals' chain starts; needed
    ///     only when `options` seal.
    ///   - recordingID: the metadata's, which every seal signs; likewise.
    init(sink: any ChunkSink, salt: UInt64, options: WriterOptions, fileHeader: [UInt8] = [], recordingID: UUID = UUID()) {
        self.sink = sink
        self.salt = salt
        self.options = options
        self.recordingID = recordingID
        if options.sealingKey != nil { chain = SealChain(fileHeader: fileHeader) }
    }

    /// Writes a SEAL chunk when the seal interval has passed by `time` since the last seal and
    /// chunks were written since (`Spec/format.md#seals`).
    func sealIfDue(atMicros time: Int64) throws(FormatError) {
        guard chain != nil, time - lastSealMicros >= options.sealIntervalMicros else { return }
        try seal(atMicros: lastEndMicros)
    }

    /// Writes a SEAL chunk at session time `time` covering every chunk so far, unless the
    /// writer does not seal or nothing was written since the last seal.
    func seal(atMicros time: Int64) throws(FormatError) {
        guard let key = options.sealingKey, let current = chain, current.unsealedChunks > 0 else { return }
        let message = SealPayload.message(recordingID: recordingID, sequence: sequence, timeMicros: time, chain: current.value)
        let payload = SealPayload(chain: current.value, publicKey: key.publicKey.raw, signature: try key.sign(message),
                                  marks: current.marks).encoded()
        var bytes: [UInt8] = []
        try appendChunk(type: .seal, compressed: Compressed(stored: payload, codec: .none, decodedLength: payload.count),
                        flags: 0, itemCount: current.unsealedChunks, start: time, end: time, into: &bytes)
        try sink.append(bytes)
        lastSealMicros = time
    }

    /// Compresses an EVENTS chunk's payload with `compressor`: touches no state of the output,
    /// so chunks can be compressed on several threads at once.
    func compress(_ chunk: EventsChunk, with compressor: Compressor) throws(FormatError) -> Compressed {
        try Self.compress(sections: chunk.sections, asFrames: chunk.flags & ChunkHeader.columnarEvents != 0,
                          itemCount: chunk.count, options: options, compressor: compressor)
    }

    /// Writes an EVENTS chunk (compressed now, or by `compress(_:with:)` before), indexes it,
    /// and writes a partial index or syncs when due.
    func writeEvents(_ chunk: EventsChunk, compressed: Compressed? = nil) throws(FormatError) {
        let entry = SeekEntry(offset: sink.length, sequence: sequence, startMicros: chunk.start, endMicros: chunk.end, eventCount: chunk.count)
        var bytes: [UInt8] = []
        let stored: Compressed
        if let compressed { stored = compressed } else { stored = try compress(chunk, with: compressor) }
        try appendChunk(type: .events, compressed: stored, flags: chunk.flags, itemCount: chunk.count,
                        start: chunk.start, end: chunk.end, into: &bytes)
        try sink.append(bytes)
        partial.add(entry, indicators: chunk.indicators)
        final.add(entry, indicators: chunk.indicators)
        if partial.entryCount >= options.indexEveryChunks {
            try writeIndex(isFinal: false, at: chunk.end)
        }
        try sealIfDue(atMicros: chunk.end)
        try syncIfDue()
    }

    /// Writes the final index and the trailer, syncs and closes the sink.
    func finish(durationMicros duration: Int64) throws(FormatError) {
        // The final seal comes before the final index, which must be the last chunk.
        try seal(atMicros: duration)
        let indexOffset = sink.length
        let indexSequence = sequence
        try writeIndex(isFinal: true, at: duration)
        try sink.append(Trailer(indexOffset: indexOffset, indexSequence: indexSequence, durationMicros: duration).encoded(salt: salt))
        try sink.sync()
        try sink.close()
    }

    private func writeIndex(isFinal: Bool, at time: Int64) throws(FormatError) {
        let builder = isFinal ? final : partial
        let payload = builder.payload(isFinal: isFinal, previous: previousIndexOffset)
        let offset = sink.length
        var bytes: [UInt8] = []
        try appendChunk(type: .index, payload: payload, itemCount: builder.entryCount + builder.indicatorCount,
                        start: time, end: time, into: &bytes)
        try sink.append(bytes)
        previousIndexOffset = offset
        partial = IndexBuilder()
    }

    /// Appends a META or INDEX chunk, its payload compressed whole.
    func appendChunk(type: ChunkType, payload: [UInt8], itemCount: Int, start: Int64, end: Int64, into bytes: inout [UInt8]) throws(FormatError) {
        let compressed = try Self.compress(sections: [payload], asFrames: false, itemCount: itemCount, options: options, compressor: compressor)
        try appendChunk(type: type, compressed: compressed, flags: 0, itemCount: itemCount, start: start, end: end, into: &bytes)
    }

    /// A payload as it will be stored.
    struct Compressed {
        var stored: [UInt8]
        var codec: Codec
        var decodedLength: Int
    }

    /// Compresses a payload given in sections (`EventsBuilder.sections`) with the options'
    /// codec and level. With zstd and `asFrames` (a columnar EVENTS chunk: types, deltas,
    /// lengths, bodies) each section becomes its own frame, the three small framing sections
    /// of a chunk of few events joined into one; otherwise the payload is compressed whole.
    static func compress(sections: [[UInt8]], asFrames: Bool, itemCount: Int, options: WriterOptions,
                         compressor: Compressor) throws(FormatError) -> Compressed {
        let codec = options.codec
        let decodedLength = sections.reduce(0) { $0 + $1.count }
        var payload: [UInt8] { sections.count == 1 ? sections[0] : sections.flatMap { $0 } }
        var stored: [UInt8]
        if codec == .zstd && asFrames {
            var parts = sections
            if itemCount < Self.framesJoinedBelow { parts = [parts.dropLast().flatMap { $0 }, parts[parts.count - 1]] }
            stored = try Self.withBuffers(parts) { (raws) throws(FormatError) in
                try compressor.compressFrames(raws, level: options.effectiveLevel)
            }
        } else {
            do {
                stored = try payload.withUnsafeBytes { raw in try compressor.compress(raw, codec: codec, level: options.effectiveLevel) }
            } catch {
                throw FormatError.from(error)
            }
        }
        // Incompressible payloads (already-compressed output) are stored as they are.
        if codec != .none && stored.count >= decodedLength {
            return Compressed(stored: payload, codec: .none, decodedLength: decodedLength)
        }
        return Compressed(stored: stored, codec: codec, decodedLength: decodedLength)
    }

    /// Appends a chunk with its compressed payload: header, checksums, sequence number.
    func appendChunk(type: ChunkType, compressed: Compressed, flags: UInt16, itemCount: Int, start: Int64, end: Int64,
                     into bytes: inout [UInt8]) throws(FormatError) {
        let stored = compressed.stored, usedCodec = compressed.codec, decodedLength = compressed.decodedLength
        guard stored.count <= Limits.maxStoredLength, decodedLength <= Limits.maxDecodedLength, itemCount <= Limits.maxItemCount else {
            throw FormatError(.misuse, "A chunk of \(decodedLength) bytes and \(itemCount) items exceeds the format's limits")
        }
        guard sequence < UInt32.max else {
            throw FormatError(.misuse, "The recording has reached the largest chunk sequence number; start a new recording")
        }
        let crc = stored.withUnsafeBytes { Checksum.salted($0, salt: salt) }
        let header = ChunkHeader(type: type, codec: usedCodec, sequence: sequence, storedLength: stored.count,
                                 decodedLength: decodedLength, itemCount: itemCount, startMicros: start,
                                 endMicros: end, payloadCRC: crc, flags: flags)
        var w = ByteWriter(capacity: ChunkHeader.size + stored.count)
        header.encode(into: &w, salt: salt)
        w.writeBytes(stored)
        if chain != nil {
            w.bytes.withUnsafeBytes { chain!.add(chunk: $0, isSeal: type == .seal) }
        }
        lastEndMicros = max(lastEndMicros, end)
        bytes.append(contentsOf: w.bytes)
        sequence &+= 1
        chunksWritten += 1
    }

    /// Chunks of fewer events than this have their types, deltas and lengths compressed as
    /// one zstd frame: three frames' headers would cost more than the separation saves.
    static let framesJoinedBelow = 64

    /// Calls `body` with raw views of every array.
    private static func withBuffers<R>(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws(FormatError) -> R) throws(FormatError) -> R {
        var views: [UnsafeRawBufferPointer] = []
        func nest(_ i: Int) throws(FormatError) -> R {
            if i == arrays.count { return try body(views) }
            do {
                return try arrays[i].withUnsafeBytes { raw in
                    views.append(raw)
                    return try nest(i + 1)
                }
            } catch {
                throw FormatError.from(error)
            }
        }
        return try nest(0)
    }

    private func syncIfDue() throws(FormatError) {
        let due: Bool
        switch options.sync {
        case .onClose: due = false
        case .everyChunk: due = true
        case .everySeconds(let seconds):
            due = ContinuousClock.now - lastSync >= .milliseconds(Int64(seconds * 1000))
        }
        guard due else { return }
        try sink.sync()
        lastSync = ContinuousClock.now
    }
}

/// Accumulates index entries already delta-encoded, so the final index costs a few bytes
/// per chunk of memory rather than a struct.
struct IndexBuilder {
    private var entries = ByteWriter()
    private var indicators = ByteWriter()
    private(set) var entryCount = 0
    private(set) var indicatorCount = 0
    private var entryDeltas = EntryDeltas()
    private var lastIndicatorTime: Int64 = 0

    mutating func add(_ e: SeekEntry, indicators list: [(time: Int64, kind: EventType, detail: String)]) {
        entryDeltas.write(e, into: &entries)
        for ind in list {
            indicators.writeUVarint(UInt64(ind.time - lastIndicatorTime))
            indicators.writeUInt8(ind.kind.rawValue)
            indicators.writeUVarint(entryCount)
            indicators.writeString(ind.detail)
            lastIndicatorTime = ind.time
            indicatorCount += 1
        }
        entryCount += 1
    }

    func payload(isFinal: Bool, previous: Int64?) -> [UInt8] {
        var w = ByteWriter(capacity: entries.count + indicators.count + 24)
        w.writeUInt8(isFinal ? 1 : 0)
        w.writeUVarint(UInt64(previous ?? 0))
        w.writeUVarint(entryCount)
        w.writeBytes(entries.bytes)
        w.writeUVarint(indicatorCount)
        w.writeBytes(indicators.bytes)
        return w.bytes
    }
}
