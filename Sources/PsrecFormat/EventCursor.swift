/// Walks the events of an EVENTS payload that `EventsPayload.checkWhole` accepted, one at a
/// time, keeping only positions: memory for a chunk's events is its payload, whatever the
/// number of events it holds (`Spec/format.md#limits`).
///
/// The payload is passed to every `next(in:)` rather than kept, so the cursor never outlives
/// a borrow of it; the caller keeps the buffer. Copies of a cursor are independent, so a
/// player keeps one per place it may come back to.
public struct EventCursor {
    private let columnar: Bool
    private let count: Int
    private var index = 0
    private var time: Int64
    /// Interleaved: the next event. Columnar: the next delta.
    private var at: Int
    /// Columnar: the next length and the next body.
    private var lengthAt = 0
    private var bodyAt = 0

    /// A cursor before the first event of `payload`, the decoded payload of the chunk
    /// `header` describes, which `EventsPayload.checkWhole` accepted.
    /// - Throws: what `EventsPayload.checkColumnar` throws on a columnar payload; a checked
    ///   payload never throws.
    public init(checked payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64) throws(FormatError) {
        columnar = header.isColumnar
        time = header.startMicros
        if columnar {
            let events = try EventsPayload.checkColumnar(payload, header: header, offset: offset)
            count = events.count
            at = events.count
            lengthAt = events.lengthsStart
            bodyAt = events.bodiesStart
        } else {
            count = header.itemCount
            at = 0
        }
    }

    /// The next event, or nil after the last; its body aliases `payload`.
    public mutating func next(in payload: UnsafeRawBufferPointer) -> RawEvent? {
        guard index < count else { return nil }
        defer { index += 1 }
        if columnar {
            var deltas = ByteReader(UnsafeRawBufferPointer(rebasing: payload[at...]), context: "event deltas")
            var lengths = ByteReader(UnsafeRawBufferPointer(rebasing: payload[lengthAt...]), context: "event lengths")
            guard let delta = try? deltas.readUVarint(), let length = try? lengths.readUVarint(),
                  Int(exactly: length).map({ $0 <= payload.count - bodyAt }) == true else { return nil }
            at += deltas.position
            lengthAt += lengths.position
            time += Int64(truncatingIfNeeded: delta)
            let body = UnsafeRawBufferPointer(rebasing: payload[bodyAt..<(bodyAt + Int(length))])
            bodyAt += Int(length)
            return RawEvent(type: EventType(rawValue: payload[index]), timeMicros: time, body: body)
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: payload[at...]), context: "event list")
        guard let type = try? r.readUInt8(), let delta = try? r.readUVarint(),
              let length = try? r.readUVarint(max: r.remaining, "event body length"),
              let body = try? r.readSlice(length) else { return nil }
        at += r.position
        time += Int64(truncatingIfNeeded: delta)
        return RawEvent(type: EventType(rawValue: type), timeMicros: time, body: body)
    }
}
