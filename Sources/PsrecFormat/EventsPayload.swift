/// An event as it lies in a decoded EVENTS payload, before its body is interpreted.
///
/// `body` aliases the payload buffer and is valid only inside the visiting closure.
public struct RawEvent {
    /// The event type byte.
    public var type: EventType
    /// Session time in microseconds.
    public var timeMicros: Int64
    /// The event body.
    public var body: UnsafeRawBufferPointer

    /// Decodes the body into an `Event`.
    public func decoded() throws(FormatError) -> Event { try Event.decode(type: type, body: body) }
}

/// Encoding and walking the event list of an EVENTS chunk (`Spec/format.md#events`).
///
/// ```
/// repeated: type u8 | delta µs uvarint | body length uvarint | body
/// ```
public enum EventsPayload {
    /// Appends one event to an events payload.
    /// - Parameter deltaMicros: time after the previous event (or after the chunk start).
    public static func append(_ event: Event, deltaMicros: Int64, into w: inout ByteWriter) {
        switch event {
        case .output(let bytes), .input(let bytes):
            bytes.withUnsafeBytes { append(type: event.type, body: $0, deltaMicros: deltaMicros, into: &w) }
        default:
            var body = ByteWriter()
            event.encodeBody(into: &body)
            body.bytes.withUnsafeBytes { append(type: event.type, body: $0, deltaMicros: deltaMicros, into: &w) }
        }
    }

    /// Appends one event given its type and encoded body.
    public static func append(type: EventType, body: UnsafeRawBufferPointer, deltaMicros: Int64, into w: inout ByteWriter) {
        w.writeUInt8(type.rawValue)
        w.writeUVarint(UInt64(deltaMicros))
        w.writeUVarint(body.count)
        w.writeBytes(body)
    }

    /// Visits every event of a decoded payload, checking framing, count and times.
    ///
    /// - Parameters:
    ///   - payload: the decoded payload.
    ///   - header: the chunk's header (start, end, item count).
    ///   - offset: file offset of the chunk, for errors.
    ///   - visit: called per event, in order.
    /// - Throws: `.malformedPayload` when framing is broken, `.badTimestamp` when times do not
    ///   add up to the header's range; errors thrown by `visit` are rethrown.
    /// - Complexity: O(payload size), no allocation.
    public static func forEach(in payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64,
                               _ visit: (RawEvent) throws -> Void) throws {
        var r = ByteReader(payload, baseOffset: offset, context: "event list")
        var time = header.startMicros
        var count = 0
        while !r.isAtEnd {
            let type = EventType(rawValue: try r.readUInt8())
            let delta = try r.readUVarint()
            guard delta <= UInt64(header.endMicros - time) else {
                throw FormatError(.badTimestamp, "An event's time runs past its chunk's end time \(header.endMicros) µs", offset: offset)
            }
            time += Int64(delta)
            let length = try r.readUVarint(max: r.remaining, "event body length")
            let body = try r.readSlice(length)
            count += 1
            try visit(RawEvent(type: type, timeMicros: time, body: body))
        }
        guard count == header.itemCount else {
            throw FormatError(.malformedPayload, "A chunk declares \(header.itemCount) events but holds \(count)", offset: offset)
        }
        guard count == 0 || time == header.endMicros else {
            throw FormatError(.badTimestamp, "A chunk's last event is at \(time) µs but the chunk declares \(header.endMicros) µs", offset: offset)
        }
    }
}
