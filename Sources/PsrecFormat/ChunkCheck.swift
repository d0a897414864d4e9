/// The checks of one chunk held in memory, as a reader applies them when scanning
/// (`Spec/format.md#chunks`, steps 2–12): what a server receiving a recording chunk by chunk
/// runs on each chunk before it stores it. The checks that span chunks beyond the previous
/// one (an INDEX chunk lists the EVENTS chunks since the previous index) are the caller's.
public enum ChunkCheck {
    /// A chunk that passed its checks.
    public struct Checked: Sendable {
        /// Its header.
        public var header: ChunkHeader
        /// Its events (EVENTS), else 0.
        public var eventCount: Int
        /// Its payload, decoded (INDEX only).
        public var index: IndexPayload?
        /// Its metadata (META only).
        public var metadata: RecordingMetadata?
        /// The indicators its events carry (EVENTS only), at most
        /// `Limits.maxIndicatorsPerChunk` × … as the events hold them.
        public var indicators: [Indicator]
    }

    /// What the chunk before this one left: the sequence it must follow and the time it
    /// must not start before.
    public struct Position: Sendable, Equatable {
        /// The file offset where this chunk starts.
        public var offset: Int64
        /// The sequence number it must have.
        public var sequence: UInt32
        /// The largest `end_us` of the chunks before it.
        public var notBeforeMicros: Int64
        /// The file's minor version (a columnar EVENTS chunk needs 1).
        public var minorVersion: UInt8

        public init(offset: Int64, sequence: UInt32, notBeforeMicros: Int64, minorVersion: UInt8) {
            self.offset = offset
            self.sequence = sequence
            self.notBeforeMicros = notBeforeMicros
            self.minorVersion = minorVersion
        }
    }

    /// Checks `bytes`, which must be exactly one chunk (header and payload), found at
    /// `position` in a file with `salt`: `checkPlace` on its header, then `checkContent`.
    ///
    /// Refused: a header that fails its magic, CRC or bounds; a length that is not the
    /// bytes given; a sequence other than `position.sequence`; a start before
    /// `position.notBeforeMicros`; a payload that fails its CRC or decompression; a META
    /// chunk other than the first; a payload that does not parse as its type says; a
    /// critical chunk of a type this reader does not know (it cannot be checked, and a
    /// reader stops there). An unknown ancillary chunk is accepted once its payload CRC holds.
    /// - Throws: `FormatError` saying which check failed.
    public static func check(_ bytes: [UInt8], at position: Position, salt: UInt64, compressor: Compressor) throws(FormatError) -> Checked {
        let header = try bytes.withBytes { (raw) throws(FormatError) -> ChunkHeader in try ChunkHeader.decode(raw, salt: salt, offset: position.offset) }
        try checkPlace(header, at: position)
        return try checkContent(bytes, offset: position.offset, minorVersion: position.minorVersion, salt: salt, compressor: compressor)
    }

    /// The checks of `check` that depend on the chunks before this one: its sequence is
    /// `position.sequence` and it starts no earlier than `position.notBeforeMicros`.
    /// Cheap: a server runs them while it holds the recording, after `checkContent` ran
    /// without holding it.
    /// - Throws: `FormatError` saying which check failed.
    public static func checkPlace(_ header: ChunkHeader, at position: Position) throws(FormatError) {
        let offset = position.offset
        guard header.sequence == position.sequence else {
            throw FormatError(.badSequence, "The chunk has sequence \(header.sequence) where \(position.sequence) comes next", offset: offset + 8)
        }
        guard header.startMicros >= position.notBeforeMicros else {
            throw FormatError(.badTimestamp, "Chunk \(header.sequence) starts at \(header.startMicros) µs, before the previous chunk's end at \(position.notBeforeMicros) µs", offset: offset + 24)
        }
    }

    /// Every check of `check` but `checkPlace`'s, for a chunk at `offset` in a file of
    /// `minorVersion` with `salt`: they depend on the chunk's own bytes only, so chunks can
    /// be checked in any order and at once.
    /// - Throws: `FormatError` saying which check failed.
    public static func checkContent(_ bytes: [UInt8], offset: Int64, minorVersion: UInt8, salt: UInt64, compressor: Compressor) throws(FormatError) -> Checked {
        let header = try bytes.withBytes { (raw) throws(FormatError) -> ChunkHeader in try ChunkHeader.decode(raw, salt: salt, offset: offset) }
        guard bytes.count == ChunkHeader.size + header.storedLength else {
            throw FormatError(.malformedPayload, "The chunk is \(bytes.count) bytes but its header says \(ChunkHeader.size + header.storedLength)", offset: offset)
        }
        if header.isColumnar && minorVersion < 1 {
            throw FormatError(.malformedPayload, "A columnar EVENTS chunk in a file whose header says version 1.0", offset: offset)
        }
        let isFirst = offset == Int64(FileHeader.size)
        if isFirst && header.type != .metadata {
            throw FormatError(.malformedPayload, "The first chunk is not the metadata chunk", offset: offset)
        }
        if !header.type.isKnown && !header.type.isAncillary {
            throw FormatError(.unsupportedChunk, "Chunk \(header.sequence) has critical type \(header.type), which this reader does not know", offset: offset + 4)
        }
        let payload = try readPayload(bytes, header: header, offset: offset, salt: salt, compressor: compressor)
        var checked = Checked(header: header, eventCount: 0, index: nil, metadata: nil, indicators: [])
        switch header.type {
        case .metadata:
            guard isFirst else { throw FormatError(.malformedPayload, "A second metadata chunk", offset: offset) }
            guard header.startMicros == 0, header.endMicros == 0 else {
                throw FormatError(.malformedPayload, "The metadata chunk's times are \(header.startMicros)…\(header.endMicros) µs instead of 0", offset: offset)
            }
            guard header.decodedLength <= Limits.maxMetadataLength else {
                throw FormatError(.limitExceeded, "The metadata chunk is larger than \(Limits.maxMetadataLength) bytes", offset: offset)
            }
            checked.metadata = try RecordingMetadata.decode(json: payload, offset: offset)
        case .events:
            var indicators: [Indicator] = []
            do {
                checked.eventCount = try payload.withUnsafeBytes { raw in
                    try EventsPayload.checkWhole(raw, header: header, offset: offset) { event, detail in
                        indicators.append(Indicator(timeMicros: event.timeMicros, kind: event.type, chunkOffset: offset, detail: detail))
                    }
                }
            } catch {
                throw FormatError.from(error)
            }
            checked.indicators = indicators
        case .index:
            guard header.startMicros == header.endMicros else {
                throw FormatError(.badIndex, "Index chunk \(header.sequence) starts at \(header.startMicros) µs but ends at \(header.endMicros) µs; an index has one time", offset: offset)
            }
            let index = try payload.withBytes { (raw) throws(FormatError) -> IndexPayload in try IndexPayload.decode(raw, offset: offset) }
            guard index.entries.count + index.indicators.count == header.itemCount else {
                throw FormatError(.badIndex, "Index chunk \(header.sequence) declares \(header.itemCount) items but holds \(index.entries.count + index.indicators.count)", offset: offset)
            }
            checked.index = index
        default:
            break // An ancillary chunk of another type: its payload CRC held.
        }
        return checked
    }

    /// The payload after its CRC check, decompressed when its codec is not 0.
    static func readPayload(_ bytes: [UInt8], header: ChunkHeader, offset: Int64, salt: UInt64, compressor: Compressor) throws(FormatError) -> [UInt8] {
        try RecordingReader.decodePayload(Array(bytes[ChunkHeader.size...]), header, payloadOffset: offset + Int64(ChunkHeader.size),
                                          salt: salt, compressor: compressor)
    }
}
