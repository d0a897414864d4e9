import Foundation
public import PsrecFormat

/// Assembles a file chunk by chunk with correct salted CRCs, for files the writer would never
/// make: the hostile and contradictory cases of issue 11 (the format's tests and the CLI's
/// hostile-file tests).
public struct RawFile {
    public static let salt: UInt64 = 0x0123_4567_89AB_CDEF
    public var bytes: [UInt8]
    public var sequence: UInt32 = 0
    let compressor = Compressor()
    /// The compression level of chunks with a codec.
    let level: Int
    /// The codec of chunks that name none.
    let defaultCodec: Codec

    /// A file header and a META chunk of `metaJSON`, with META times `metaTimes`.
    public init(minor: UInt8 = 1, metaJSON: [UInt8], metaTimes: Int64 = 0, level: Int = 3, codec: Codec = .none) {
        bytes = FileHeader(salt: Self.salt, minor: minor).encoded()
        self.level = level
        defaultCodec = codec
        chunk(.metadata, metaJSON, codec: .none, items: 0, start: metaTimes, end: metaTimes)
    }

    /// Appends a chunk and returns its offset.
    @discardableResult
    public mutating func chunk(_ type: ChunkType, _ decoded: [UInt8], codec: Codec? = nil, items: Int, start: Int64, end: Int64,
                               flags: UInt16 = 0, corruptPayloadCRC: Bool = false) -> Int64 {
        let codec = codec ?? defaultCodec
        let stored = codec == .none ? decoded : try! decoded.withUnsafeBytes { try compressor.compress($0, codec: codec, level: level) }
        var crc = stored.withUnsafeBytes { Checksum.salted($0, salt: Self.salt) }
        if corruptPayloadCRC { crc ^= 1 }
        let header = ChunkHeader(type: type, codec: codec, sequence: sequence, storedLength: stored.count,
                                 decodedLength: decoded.count, itemCount: items, startMicros: start, endMicros: end,
                                 payloadCRC: crc, flags: flags)
        let offset = Int64(bytes.count)
        var w = ByteWriter()
        header.encode(into: &w, salt: Self.salt)
        bytes += w.bytes + stored
        sequence += 1
        return offset
    }

    /// An interleaved EVENTS chunk of `events` (times absolute); returns its seek entry.
    @discardableResult
    public mutating func events(_ events: [TimedEvent], columnar: Bool = false) -> SeekEntry {
        var builder = EventsBuilder(layout: columnar ? .columnar : .interleaved, capacity: 0)
        var time = events.first?.timeMicros ?? 0
        for e in events {
            builder.append(e.event, deltaMicros: e.timeMicros - time)
            time = e.timeMicros
        }
        let start = events.first?.timeMicros ?? 0, end = events.last?.timeMicros ?? 0
        let sequence = self.sequence
        let offset = chunk(.events, builder.payload, items: events.count, start: start, end: end,
                           flags: columnar ? ChunkHeader.columnarEvents : 0)
        return SeekEntry(offset: offset, sequence: sequence, startMicros: start, endMicros: end, eventCount: events.count)
    }

    /// A final index of `entries` and `indicators` at `duration`; returns its offset and sequence.
    @discardableResult
    public mutating func finalIndex(_ entries: [SeekEntry], indicators: [Indicator] = [], duration: Int64, start: Int64? = nil) -> (Int64, UInt32) {
        let payload = IndexPayload(isFinal: true, previousIndexOffset: nil, entries: entries, indicators: indicators).encoded()
        let sequence = self.sequence
        return (chunk(.index, payload, items: entries.count + indicators.count, start: start ?? duration, end: duration), sequence)
    }

    public mutating func trailer(_ index: (Int64, UInt32), duration: Int64) {
        bytes += Trailer(indexOffset: index.0, indexSequence: index.1, durationMicros: duration).encoded(salt: Self.salt)
    }

    public var source: MemorySource { MemorySource(bytes) }
}
