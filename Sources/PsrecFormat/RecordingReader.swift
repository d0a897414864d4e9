/// Opens complete, truncated and damaged psrec files (`Spec/format.md#reading`).
///
/// A complete file is opened through its trailer and final index: two reads, whatever its
/// length. A file without a valid trailer is scanned chunk header by chunk header; damaged
/// stretches are skipped by resynchronising on the next valid chunk header, and everything
/// up to the last complete chunk is playable. Events are decoded lazily, one chunk at a time.
public final class RecordingReader {
    /// Which case the reader met.
    public enum Status: String, Sendable {
        /// Valid trailer and final index, no damage found.
        case complete
        /// No trailer: the writer stopped; every chunk read so far is valid.
        case truncated
        /// Some chunk or structure failed its checks (the Spec's and the validator's word:
        /// `Spec/format.md#verdicts`).
        case corrupt
    }

    /// A damaged stretch of the file.
    public struct Damage: Sendable, Equatable {
        /// First byte of the damage.
        public var offset: Int64
        /// Byte after the damage (where reading resumed), when known.
        public var endOffset: Int64?
        /// Sequence number of the chunk concerned, when known.
        public var sequence: UInt32?
        /// What is wrong.
        public var error: FormatError
    }

    /// How a file without trailer ends.
    public struct Truncation: Sendable, Equatable {
        /// End of the last complete chunk.
        public var lastGoodOffset: Int64
        /// Bytes after it (a partly written chunk).
        public var tailBytes: Int64
        /// True when those bytes are all zero, as after a power loss.
        public var zeroFilled: Bool
    }

    /// Where the bytes come from.
    public let source: any ByteSource
    /// The file header.
    public let header: FileHeader
    /// The metadata, unless its chunk is damaged.
    public internal(set) var metadata: RecordingMetadata?
    /// Every EVENTS chunk found, in file order.
    public internal(set) var entries: [SeekEntry] = []
    /// Every indicator, in time order.
    public internal(set) var indicators: [Indicator] = []
    /// The trailer, when present and valid.
    public internal(set) var trailer: Trailer?
    /// How the file ends when it has no trailer.
    public internal(set) var truncation: Truncation?
    /// Damage found so far (opening, and any chunk read since).
    public internal(set) var damage: [Damage] = []
    /// Number of INDEX chunks read.
    public internal(set) var indexChunksRead = 0
    /// Chunk payloads read so far (all types): the cost of an operation, for tests.
    public internal(set) var chunkReads = 0
    /// True when the file was opened by scanning rather than through the index.
    public internal(set) var openedByScan = false
    /// Total chunks seen while scanning (0 when opened through the index).
    public internal(set) var scannedChunks = 0
    /// Every INDEX chunk met while scanning, decoded (empty when opened through the index).
    public internal(set) var indexRecords: [IndexRecord] = []
    /// True when the last INDEX chunk met while scanning was a final one.
    var lastIndexIsFinal = false
    /// Chunks of unknown ancillary types skipped while scanning.
    public internal(set) var skippedAncillaryChunks = 0
    /// Their offsets, for a verifier that checks their payloads too.
    public internal(set) var skippedAncillaryOffsets: [Int64] = []
    /// Offset of the last chunk the scan accepted (`Spec/format.md#scanning-truncated-and-damaged-files`).
    var lastAccepted: Int64?

    /// An INDEX chunk found while scanning.
    public struct IndexRecord: Sendable {
        /// File offset of the chunk.
        public var offset: Int64
        /// Its header.
        public var header: ChunkHeader
        /// Its decoded payload.
        public var payload: IndexPayload
    }

    let compressor = Compressor()
    /// Largest decoded chunk the read-ahead threads decode; larger ones are decoded when taken.
    static let readAheadChunkBytes = 1 << 20

    /// What the reader found.
    public var status: Status { !damage.isEmpty ? .corrupt : (trailer != nil ? .complete : .truncated) }
    /// Session time the recording plays to.
    public var endMicros: Int64 { entries.last?.endMicros ?? 0 }
    /// Duration: the trailer's when complete, else the last event's time.
    public var durationMicros: Int64 { trailer?.durationMicros ?? endMicros }

    /// Opens the file at `path`.
    /// - Throws: `FormatError` when it is not a psrec file or cannot be read at all.
    public convenience init(path: String, scan: Bool = false) throws(FormatError) {
        try self.init(source: FileSource(path: path), scan: scan)
    }

    /// Opens a recording from `source`.
    /// - Parameter scan: read every chunk header even when a valid trailer is present.
    /// - Throws: `FormatError` when the signature or file header is wrong, or on I/O failure.
    public init(source: any ByteSource, scan: Bool = false) throws(FormatError) {
        self.source = source
        let head = try source.read(at: 0, count: FileHeader.size)
        header = try head.withBytes { (raw) throws(FormatError) -> FileHeader in try FileHeader.decode(raw) }
        // A newer minor version may hold chunk types this reader does not know; only a scan sees them.
        if !scan, header.minor <= FileHeader.currentMinor, try openThroughTrailer() { return }
        try openByScanning()
    }

    func record(_ error: FormatError, at offset: Int64, end: Int64? = nil, sequence: UInt32? = nil) {
        damage.append(Damage(offset: offset, endOffset: end, sequence: sequence, error: error))
    }

    /// Reads and checks a chunk header at `offset`.
    public func readHeader(at offset: Int64) throws(FormatError) -> ChunkHeader {
        try Self.readHeader(at: offset, source: source, salt: header.salt)
    }

    static func readHeader(at offset: Int64, source: any ByteSource, salt: UInt64) throws(FormatError) -> ChunkHeader {
        let bytes = try source.read(at: offset, count: ChunkHeader.size)
        return try bytes.withBytes { (raw) throws(FormatError) -> ChunkHeader in
            try ChunkHeader.decode(raw, salt: salt, offset: offset)
        }
    }

    /// Checks the stored payload of the chunk at `offset` against its payload CRC, and
    /// decompresses it when its codec is known: what a verifier does with a chunk it
    /// otherwise skips (an unknown ancillary type). The header's CRC must have held.
    /// - Throws: `.truncatedChunk`, `.badPayloadChecksum`, `.badCompression`.
    public func checkStoredPayload(at offset: Int64) throws(FormatError) {
        let raw = try source.read(at: offset, count: ChunkHeader.size)
        guard raw.count == ChunkHeader.size else { throw FormatError(.truncatedChunk, "The file ends inside a chunk header", offset: offset) }
        if let chunk = try? readHeader(at: offset) {
            _ = try readPayload(chunk, at: offset)
            return
        }
        // An unknown codec: only the checksum can be checked.
        let (storedLength, crc) = raw.withUnsafeBytes { (Int($0.le32(12)), $0.le32(40)) }
        let payloadOffset = offset + Int64(ChunkHeader.size)
        let stored = try source.read(at: payloadOffset, count: storedLength)
        guard stored.count == storedLength else {
            throw FormatError(.truncatedChunk, "The file ends inside a chunk payload", offset: payloadOffset)
        }
        guard stored.withUnsafeBytes({ Checksum.salted($0, salt: header.salt) }) == crc else {
            throw FormatError(.badPayloadChecksum, "A chunk payload fails its checksum", offset: offset)
        }
    }

    /// Reads a chunk's payload, checks its CRC and decompresses it to its declared size.
    /// - Throws: `.truncatedChunk`, `.badPayloadChecksum`, `.badCompression`.
    public func readPayload(_ chunk: ChunkHeader, at offset: Int64) throws(FormatError) -> [UInt8] {
        chunkReads += 1
        return try Self.readPayload(chunk, at: offset, source: source, salt: header.salt, compressor: compressor)
    }

    /// `readPayload(_:at:)` without the reader's state, for the read-ahead threads.
    static func readPayload(_ chunk: ChunkHeader, at offset: Int64, source: any ByteSource, salt: UInt64,
                            compressor: Compressor) throws(FormatError) -> [UInt8] {
        let payloadOffset = offset + Int64(ChunkHeader.size)
        let stored = try source.read(at: payloadOffset, count: chunk.storedLength)
        guard stored.count == chunk.storedLength else {
            throw FormatError(.truncatedChunk, "The file ends inside a chunk payload", offset: payloadOffset)
        }
        return try decodePayload(stored, chunk, payloadOffset: payloadOffset, salt: salt, compressor: compressor)
    }

    /// A chunk's stored payload after its CRC check, decompressed to its declared size
    /// (as is for codec 0): the one place either reading path, and `ChunkCheck`, does it.
    /// - Throws: `.badPayloadChecksum`, `.badCompression`.
    static func decodePayload(_ stored: [UInt8], _ chunk: ChunkHeader, payloadOffset: Int64, salt: UInt64,
                              compressor: Compressor) throws(FormatError) -> [UInt8] {
        try stored.withBytes { (raw) throws(FormatError) -> [UInt8] in
            guard Checksum.salted(raw, salt: salt) == chunk.payloadCRC else {
                throw FormatError(.badPayloadChecksum, "A chunk payload fails its checksum (sequence \(chunk.sequence))", offset: payloadOffset)
            }
            if chunk.codec == .none { return stored }
            do {
                return try compressor.decompress(raw, codec: chunk.codec, decodedLength: chunk.decodedLength,
                                                 frames: chunk.isColumnar ? .several : .one)
            } catch {
                throw FormatError(.badCompression, FormatError.from(error).message, offset: payloadOffset)
            }
        }
    }

    /// Index of the first EVENTS chunk that ends at or after `micros` (binary search).
    /// - Complexity: O(log n).
    public func entryIndex(atOrAfter micros: Int64) -> Int {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].endMicros < micros { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Reads and checks the EVENTS chunk an entry points to, returning its decoded payload.
    public func readEvents(_ entry: SeekEntry) throws(FormatError) -> (ChunkHeader, [UInt8]) {
        chunkReads += 1
        return try Self.readEvents(entry, source: source, salt: header.salt, minor: header.minor, compressor: compressor)
    }

    /// `readEvents(_:)` without the reader's state, for the read-ahead threads.
    /// - Parameter minor: the file's minor version: a 1.0 file cannot hold a columnar chunk.
    static func readEvents(_ entry: SeekEntry, source: any ByteSource, salt: UInt64, minor: UInt8,
                           compressor: Compressor) throws(FormatError) -> (ChunkHeader, [UInt8]) {
        let chunk = try readHeader(at: entry.offset, source: source, salt: salt)
        guard chunk.type == .events, chunk.sequence == entry.sequence, chunk.startMicros == entry.startMicros,
              chunk.endMicros == entry.endMicros, chunk.itemCount == entry.eventCount else {
            throw FormatError(.badIndex, "The index entry for chunk \(entry.sequence) does not match the chunk at byte \(entry.offset)", offset: entry.offset)
        }
        guard !chunk.isColumnar || minor >= 1 else {
            throw FormatError(.malformedPayload, "Chunk \(chunk.sequence) uses the columnar layout of format 1.1 but the file says 1.\(minor)", offset: entry.offset)
        }
        return (chunk, try readPayload(chunk, at: entry.offset, source: source, salt: salt, compressor: compressor))
    }

    /// Visits every event from `fromMicros` to `toMicros` (inclusive), seeking through the
    /// index. A damaged chunk is recorded in `damage` and skipped.
    ///
    /// - Throws: only what `visit` throws.
    /// - Complexity: reads only the chunks overlapping the range.
    public func forEachEvent(fromMicros: Int64 = 0, toMicros: Int64 = .max, _ visit: (RawEvent) throws -> Void) throws {
        try walk(fromMicros: fromMicros, toMicros: toMicros, columnar: { events, inRange in
            try events.forEach { event in
                if inRange || (event.timeMicros >= fromMicros && event.timeMicros <= toMicros) { try visit(event) }
            }
        }, event: visit)
    }

    /// Consecutive events of one type whose bodies lie back to back in a chunk.
    public struct EventRun {
        /// The events' type.
        public var type: EventType
        /// Number of events.
        public var count: Int
        /// Time of the first and of the last event.
        public var firstMicros: Int64, lastMicros: Int64
        /// Their bodies, back to back; valid only inside the visiting closure.
        public var bodies: UnsafeRawBufferPointer
    }

    /// Visits the events from `fromMicros` to `toMicros` as runs: in a columnar chunk, each
    /// run of consecutive events of one type at once (a chunk of output alone is one run,
    /// found without walking its lengths); in an interleaved chunk, each event on its own.
    /// What `psrec cat` uses: its output is the bodies of the output runs.
    ///
    /// - Throws: only what `visit` throws.
    public func forEachRun(fromMicros: Int64 = 0, toMicros: Int64 = .max, _ visit: (EventRun) throws -> Void) throws {
        try walk(fromMicros: fromMicros, toMicros: toMicros, columnar: { events, inRange in
            if inRange, events.count > 0, let first = events.types.first, events.allEvents(are: EventType(rawValue: first)) {
                try visit(EventRun(type: EventType(rawValue: first), count: events.count, firstMicros: events.firstMicros,
                                   lastMicros: events.lastMicros, bodies: events.bodies))
                return
            }
            var run: EventRun?
            try events.forEach { event in
                guard inRange || (event.timeMicros >= fromMicros && event.timeMicros <= toMicros) else { return }
                if var current = run, current.type == event.type,
                   current.bodies.baseAddress.map({ $0 + current.bodies.count }) == event.body.baseAddress {
                    current.count += 1
                    current.lastMicros = event.timeMicros
                    current.bodies = UnsafeRawBufferPointer(start: current.bodies.baseAddress, count: current.bodies.count + event.body.count)
                    run = current
                    return
                }
                if let current = run { try visit(current) }
                run = EventRun(type: event.type, count: 1, firstMicros: event.timeMicros, lastMicros: event.timeMicros, bodies: event.body)
            }
            if let run { try visit(run) }
        }, event: { event in
            try visit(EventRun(type: event.type, count: 1, firstMicros: event.timeMicros, lastMicros: event.timeMicros, bodies: event.body))
        })
    }

    /// Reads the chunks overlapping `fromMicros…toMicros` (read ahead), checks each whole
    /// (`EventsPayload.checkWhole`: framing, times and every body) and hands its events over:
    /// a columnar chunk as checked `ColumnarEvents` (with whether the whole chunk is inside the
    /// range), an interleaved one event by event, already filtered to the range. A damaged
    /// chunk is recorded and skipped, so a chunk is visited all or nothing; errors thrown by
    /// the visitors are not damage and propagate.
    private func walk(fromMicros: Int64, toMicros: Int64, columnar: (ColumnarEvents, Bool) throws -> Void,
                      event visit: (RawEvent) throws -> Void) throws {
        let first = entryIndex(atOrAfter: fromMicros)
        var end = first
        while end < entries.count, entries[end].startMicros <= toMicros { end += 1 }
        try forEachChunk(first..<end) { entry, read in
            let chunk: ChunkHeader, payload: [UInt8]
            switch read {
            case .success(let got): (chunk, payload) = got
            case .failure(let error): record(error, at: entry.offset, sequence: entry.sequence); return
            }
            // Only the check's errors are damage; the visitors' propagate.
            try payload.withUnsafeBytes { raw in
                if chunk.isColumnar {
                    // Framed once, then its bodies checked.
                    let events: ColumnarEvents
                    do {
                        events = try EventsPayload.checkColumnar(raw, header: chunk, offset: entry.offset)
                        try EventsPayload.checkBodies(of: events, offset: entry.offset)
                    } catch {
                        record(FormatError.from(error), at: entry.offset, sequence: entry.sequence)
                        return
                    }
                    try columnar(events, chunk.startMicros >= fromMicros && chunk.endMicros <= toMicros)
                    return
                }
                do {
                    try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset)
                } catch {
                    record(FormatError.from(error), at: entry.offset, sequence: entry.sequence)
                    return
                }
                // Walked a second time rather than remembered: no memory per event. The list
                // was checked, so every error here is the visitor's.
                try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { event in
                    guard event.timeMicros >= fromMicros && event.timeMicros <= toMicros else { return }
                    try visit(event)
                }
            }
        }
    }

    /// Reads, checks and decompresses the EVENTS chunks of `entries[range]` in order, handing
    /// each to `body` with its entry. Two chunks or more from a source that allows it are
    /// read and decompressed ahead on two other threads (`ReadAhead`, three chunks at most)
    /// while `body` works.
    ///
    /// - Throws: only what `body` throws; read errors are handed to it.
    public func forEachChunk(_ range: Range<Int>,
                             _ body: (SeekEntry, Result<(ChunkHeader, [UInt8]), FormatError>) throws -> Void) rethrows {
        let source = source, salt = header.salt, minor = header.minor, entries = entries
        // A chunk that decodes to more than `readAheadChunkBytes` is left to this thread (nil
        // from the workers): memory held ahead stays a few small chunks however large the
        // chunks a file declares, and only one large chunk is ever decoded at a time.
        let readAhead = range.count >= 2 && source.concurrentReads
            ? ReadAhead(range, workers: 2, depth: 3, name: "psrec read-ahead") {
                let compressor = Compressor()
                return { i in Result { () throws(FormatError) -> (ChunkHeader, [UInt8])? in
                    let chunk = try Self.readHeader(at: entries[i].offset, source: source, salt: salt)
                    guard chunk.decodedLength <= Self.readAheadChunkBytes else { return nil }
                    return try Self.readEvents(entries[i], source: source, salt: salt, minor: minor, compressor: compressor)
                } }
            } : nil
        defer { readAhead?.stop() }
        for i in range {
            if let readAhead {
                chunkReads += 1
                switch readAhead.take(i) {
                case .success(let read?): try body(entries[i], .success(read))
                case .success(nil): try body(entries[i], Result { () throws(FormatError) in try Self.readEvents(entries[i], source: source, salt: salt, minor: minor, compressor: compressor) })
                case .failure(let error): try body(entries[i], .failure(error))
                }
            } else {
                try body(entries[i], Result { () throws(FormatError) in try readEvents(entries[i]) })
            }
        }
    }

    /// Decoded events from `fromMicros` to `toMicros`, one chunk in memory at a time.
    public func events(fromMicros: Int64 = 0, toMicros: Int64 = .max) -> EventSequence {
        EventSequence(reader: self, fromMicros: fromMicros, toMicros: toMicros)
    }
}

/// A lazy sequence of decoded events; see `RecordingReader.events(fromMicros:toMicros:)`.
public struct EventSequence: Sequence {
    let reader: RecordingReader
    let fromMicros: Int64
    let toMicros: Int64

    public func makeIterator() -> Iterator {
        Iterator(reader: reader, nextEntry: reader.entryIndex(atOrAfter: fromMicros), fromMicros: fromMicros, toMicros: toMicros)
    }

    /// Yields events chunk by chunk, each chunk checked whole first: a chunk that fails is
    /// recorded as damage and gives no events. Holds one chunk's payload and a cursor, never
    /// a decoded list, so memory does not grow with the number of events in a chunk.
    public struct Iterator: IteratorProtocol {
        let reader: RecordingReader
        var nextEntry: Int
        let fromMicros: Int64
        let toMicros: Int64
        var payload: [UInt8] = []
        var cursor: EventCursor?

        init(reader: RecordingReader, nextEntry: Int, fromMicros: Int64, toMicros: Int64) {
            self.reader = reader
            self.nextEntry = nextEntry
            self.fromMicros = fromMicros
            self.toMicros = toMicros
        }

        public mutating func next() -> TimedEvent? {
            while true {
                if var current = cursor {
                    let found: TimedEvent?? = payload.withUnsafeBytes { raw in
                        guard let event = current.next(in: raw) else { return .none }
                        guard event.timeMicros >= fromMicros, event.timeMicros <= toMicros,
                              let decoded = try? event.decoded() else { return .some(nil) }
                        return .some(TimedEvent(timeMicros: event.timeMicros, event: decoded))
                    }
                    cursor = current
                    switch found {
                    case .some(.some(let event)): return event
                    case .some(.none): continue
                    case .none: cursor = nil
                    }
                }
                guard nextEntry < reader.entries.count, reader.entries[nextEntry].startMicros <= toMicros else { return nil }
                let entry = reader.entries[nextEntry]
                nextEntry += 1
                do {
                    let (chunk, bytes) = try reader.readEvents(entry)
                    payload = bytes
                    cursor = try payload.withUnsafeBytes { raw in
                        try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset)
                        return try EventCursor(checked: raw, header: chunk, offset: entry.offset)
                    }
                } catch {
                    reader.record(FormatError.from(error), at: entry.offset, sequence: entry.sequence)
                }
            }
        }
    }
}
