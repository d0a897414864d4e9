/// One EVENTS chunk as the seek index lists it.
public struct SeekEntry: Sendable, Equatable {
    /// File offset of the chunk header.
    public var offset: Int64
    /// The chunk's sequence number.
    public var sequence: UInt32
    /// Session time of its first event.
    public var startMicros: Int64
    /// Session time of its last event.
    public var endMicros: Int64
    /// Number of events in it.
    public var eventCount: Int

    public init(offset: Int64, sequence: UInt32, startMicros: Int64, endMicros: Int64, eventCount: Int) {
        self.offset = offset
        self.sequence = sequence
        self.startMicros = startMicros
        self.endMicros = endMicros
        self.eventCount = eventCount
    }
}

/// A marker, keyboard command or mouse click, as the indicator index lists it.
public struct Indicator: Sendable, Equatable {
    /// Session time.
    public var timeMicros: Int64
    /// `.marker`, `.command` or `.click`.
    public var kind: EventType
    /// File offset of the EVENTS chunk holding the event.
    public var chunkOffset: Int64
    /// Marker label, command text, or "x,y,button" for clicks.
    public var detail: String

    public init(timeMicros: Int64, kind: EventType, chunkOffset: Int64, detail: String) {
        self.timeMicros = timeMicros
        self.kind = kind
        self.chunkOffset = chunkOffset
        self.detail = detail
    }

    /// The detail the index stores for an indicator event, or nil if the event is not one:
    /// the label or command text cut to `Limits.maxIndicatorDetailBytes` at a character
    /// boundary, or "x,y,button" for a click.
    public static func detail(for event: Event) -> String? {
        switch event {
        case .marker(let text), .command(let text): bounded(text)
        case .click(let x, let y, let button): "\(x),\(y),\(button)"
        default: nil
        }
    }

    /// `detail(for:)` of the event with this type and body, without decoding more of a long
    /// label than the detail keeps: a detail of at most 1024 UTF-8 bytes comes from at most
    /// 1024 bytes of the body (a U+FFFD is never shorter than what it replaces), and 4 more
    /// bytes decide the last scalar exactly as decoding the whole body would.
    public static func detail(type: EventType, body: UnsafeRawBufferPointer) throws(FormatError) -> String? {
        switch type {
        case .marker, .command:
            return bounded(String(decoding: UnsafeRawBufferPointer(rebasing: body.prefix(Limits.maxIndicatorDetailBytes + 4)), as: UTF8.self))
        case .click:
            return detail(for: try Event.decode(type: type, body: body))
        default:
            return nil
        }
    }

    /// `text` cut to at most `limit` UTF-8 bytes at a character (scalar) boundary.
    static func bounded(_ text: String, to limit: Int = Limits.maxIndicatorDetailBytes) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var used = 0
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            if used + size > limit { break }
            result.unicodeScalars.append(scalar)
            used += size
        }
        return result
    }
}

/// The payload of an INDEX chunk (`Spec/format.md#index`).
///
/// ```
/// flags u8 (bit 0: final) | previous index offset uvarint (0 = none)
/// entry count uvarint | entries: Δoffset Δsequence Δstart duration events (uvarints)
/// indicator count uvarint | indicators: Δtime kind(u8) entry-ordinal detail(len+UTF-8)
/// ```
/// A partial index lists the EVENTS chunks written since the previous index; the final
/// index, written at close, lists every EVENTS chunk of the file.
public struct IndexPayload: Sendable, Equatable {
    /// True for the index written at close, which covers the whole file.
    public var isFinal: Bool
    /// Offset of the previous INDEX chunk, if any.
    public var previousIndexOffset: Int64?
    /// EVENTS chunks in file order.
    public var entries: [SeekEntry]
    /// Indicators in time order.
    public var indicators: [Indicator]

    public init(isFinal: Bool, previousIndexOffset: Int64?, entries: [SeekEntry], indicators: [Indicator]) {
        self.isFinal = isFinal
        self.previousIndexOffset = previousIndexOffset
        self.entries = entries
        self.indicators = indicators
    }

    /// Encodes the payload. Entries must be in offset order and indicators in time order,
    /// each pointing at a listed entry.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 16 + entries.count * 8 + indicators.count * 16)
        w.writeUInt8(isFinal ? 1 : 0)
        w.writeUVarint(UInt64(previousIndexOffset ?? 0))
        w.writeUVarint(entries.count)
        var deltas = EntryDeltas()
        var ordinal: [Int64: Int] = [:]
        for (i, e) in entries.enumerated() {
            deltas.write(e, into: &w)
            ordinal[e.offset] = i
        }
        w.writeUVarint(indicators.count)
        var time: Int64 = 0
        for ind in indicators {
            w.writeUVarint(UInt64(ind.timeMicros - time))
            w.writeUInt8(ind.kind.rawValue)
            guard let position = ordinal[ind.chunkOffset] else { preconditionFailure("indicator of a chunk the index does not list") }
            w.writeUVarint(position)
            w.writeString(ind.detail)
            time = ind.timeMicros
        }
        return w.bytes
    }

    /// Decodes and checks an index payload.
    /// - Throws: `.malformedPayload` or `.badIndex`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, offset: Int64) throws(FormatError) -> IndexPayload {
        var r = ByteReader(bytes, baseOffset: offset, context: "index")
        let flags = try r.readUInt8()
        guard flags & ~1 == 0 else { throw r.error("unknown index flags \(flags)") }
        let previous = try r.readUVarint(max: Int(Int64.max / 2), "previous index offset")
        guard previous == 0 || (Int64(previous) >= Int64(FileHeader.size) && Int64(previous) < offset) else {
            throw FormatError(.badIndex, "An index points forward to a previous index at \(previous)", offset: offset)
        }
        // Each entry takes at least 5 bytes, which bounds the count by the payload size, and
        // names a chunk of its own before this one, which bounds it by the file's real bytes:
        // memory follows the file, never the count a payload declares.
        let count = try r.readUVarint(max: min(Limits.maxItemCount, r.remaining / 5, Self.maxEntries(before: offset)), "entry count")
        var entries: [SeekEntry] = []
        entries.reserveCapacity(count)
        var entryOffset: Int64 = 0, sequence: UInt64 = 0, start: Int64 = 0
        for i in 0..<count {
            let dOffset = try r.readUVarint(max: Int(Limits.maxMicros), "offset delta")
            let dSequence = try r.readUVarint(max: Int(UInt32.max), "sequence delta")
            let dStart = try r.readUVarint(max: Int(Limits.maxMicros), "start delta")
            let duration = try r.readUVarint(max: Int(Limits.maxMicros), "duration")
            let events = try r.readUVarint(max: Limits.maxItemCount, "event count")
            guard i == 0 ? dOffset >= Self.firstEventsOffset : (dOffset >= ChunkHeader.size && dSequence > 0) else {
                throw r.error(i == 0 ? "the first entry points inside the file header or the metadata chunk"
                                     : "entries are not in file order, or less than a chunk header apart")
            }
            entryOffset += Int64(dOffset)
            sequence += UInt64(dSequence)
            start += Int64(dStart)
            guard entryOffset < offset, sequence <= UInt64(UInt32.max), start <= Limits.maxMicros else {
                throw FormatError(.badIndex, "An index entry points past the index itself", offset: offset)
            }
            entries.append(SeekEntry(offset: entryOffset, sequence: UInt32(sequence), startMicros: start,
                                     endMicros: start + Int64(duration), eventCount: events))
        }
        let indicatorCount = try r.readUVarint(max: min(Limits.maxItemCount, r.remaining / 4, entries.count * Limits.maxIndicatorsPerChunk), "indicator count")
        var indicators: [Indicator] = []
        indicators.reserveCapacity(indicatorCount)
        var perEntry = [UInt8](repeating: 0, count: entries.count)
        var detailBytes = [UInt16](repeating: 0, count: entries.count)
        var time: Int64 = 0
        for _ in 0..<indicatorCount {
            time += Int64(try r.readUVarint(max: Int(Limits.maxMicros), "indicator time delta"))
            guard time <= Limits.maxMicros else { throw r.error("indicator time out of range") }
            let kind = EventType(rawValue: try r.readUInt8())
            guard kind.isIndicator else { throw r.error("indicator kind \(kind.rawValue) is not an indicator") }
            let ordinal = try r.readUVarint(max: max(entries.count - 1, 0), "indicator chunk ordinal")
            guard !entries.isEmpty else { throw r.error("indicator without any chunk") }
            perEntry[ordinal] += 1
            guard perEntry[ordinal] <= Limits.maxIndicatorsPerChunk else {
                throw r.error("more than \(Limits.maxIndicatorsPerChunk) indicators for one chunk")
            }
            // The details of one chunk's indicators share 1024 bytes (Spec/format.md#index).
            let length = try r.readUVarint(max: min(Limits.maxIndicatorDetailBytes - Int(detailBytes[ordinal]), r.remaining), "indicator detail length")
            let detail = String(decoding: try r.readSlice(length), as: UTF8.self)
            detailBytes[ordinal] += UInt16(length)
            indicators.append(Indicator(timeMicros: time, kind: kind, chunkOffset: entries[ordinal].offset, detail: detail))
        }
        guard r.isAtEnd else { throw r.error("\(r.remaining) bytes left over") }
        return IndexPayload(isFinal: flags & 1 != 0, previousIndexOffset: previous == 0 ? nil : Int64(previous),
                            entries: entries, indicators: indicators)
    }
}

extension IndexPayload {
    /// Offset of the earliest possible EVENTS chunk: after the file header and a META chunk header.
    static let firstEventsOffset = FileHeader.size + ChunkHeader.size

    /// The most entries an index at `offset` can hold: one per chunk header that fits before it.
    static func maxEntries(before offset: Int64) -> Int {
        offset < Int64(firstEventsOffset) ? 0 : Int((offset - Int64(firstEventsOffset)) / Int64(ChunkHeader.size)) + 1
    }
}

/// Writes seek entries one after another, each as deltas from the one before
/// (`Spec/format.md#index`): offset, sequence, start, duration, event count.
struct EntryDeltas {
    private var offset: Int64 = 0
    private var sequence: UInt32 = 0
    private var start: Int64 = 0

    mutating func write(_ e: SeekEntry, into w: inout ByteWriter) {
        w.writeUVarint(UInt64(e.offset - offset))
        w.writeUVarint(UInt64(e.sequence &- sequence))
        w.writeUVarint(UInt64(e.startMicros - start))
        w.writeUVarint(UInt64(e.endMicros - e.startMicros))
        w.writeUVarint(e.eventCount)
        offset = e.offset; sequence = e.sequence; start = e.startMicros
    }
}
