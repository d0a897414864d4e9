import Foundation
@testable import PsrecFormat

/// Assembles a file chunk by chunk with correct salted CRCs, for files the writer would never
/// make: the hostile and contradictory cases of issue 11.
struct RawFile {
    static let salt: UInt64 = 0x0123_4567_89AB_CDEF
    var bytes: [UInt8]
    var sequence: UInt32 = 0
    let compressor = Compressor()

    /// A file header and a META chunk (`metaJSON`, or the test metadata), with META times `metaTimes`.
    init(minor: UInt8 = 1, metaJSON: [UInt8]? = nil, metaTimes: Int64 = 0) throws {
        bytes = FileHeader(salt: Self.salt, minor: minor).encoded()
        chunk(.metadata, try metaJSON ?? Sample.metadata().encodedJSON(), codec: .none, items: 0, start: metaTimes, end: metaTimes)
    }

    /// Appends a chunk and returns its offset.
    @discardableResult
    mutating func chunk(_ type: ChunkType, _ decoded: [UInt8], codec: Codec = .none, items: Int, start: Int64, end: Int64,
                        flags: UInt16 = 0, corruptPayloadCRC: Bool = false) -> Int64 {
        let stored = codec == .none ? decoded : try! decoded.withUnsafeBytes { try compressor.compress($0, codec: codec, level: 3) }
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
    mutating func events(_ events: [TimedEvent], columnar: Bool = false) -> SeekEntry {
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
    mutating func finalIndex(_ entries: [SeekEntry], indicators: [Indicator] = [], duration: Int64, start: Int64? = nil) -> (Int64, UInt32) {
        let payload = IndexPayload(isFinal: true, previousIndexOffset: nil, entries: entries, indicators: indicators).encoded()
        let sequence = self.sequence
        return (chunk(.index, payload, items: entries.count + indicators.count, start: start ?? duration, end: duration), sequence)
    }

    mutating func trailer(_ index: (Int64, UInt32), duration: Int64) {
        bytes += Trailer(indexOffset: index.0, indexSequence: index.1, durationMicros: duration).encoded(salt: Self.salt)
    }

    var source: MemorySource { MemorySource(bytes) }
}
