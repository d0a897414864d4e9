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

/// How the events of an EVENTS chunk are laid out (`Spec/format.md#events`).
public enum EventLayout: Sendable, Equatable, CustomStringConvertible {
    /// Format 1.0: each event's type, delta, length and body together, event after event.
    case interleaved
    /// Format 1.1 (chunk flag `columnarEvents`): all types, then all deltas, then all
    /// lengths, then all bodies. Each part compresses better on its own.
    case columnar

    public var description: String { self == .columnar ? "columnar" : "interleaved" }
}

/// Builds the decoded payload of one EVENTS chunk in either layout.
///
/// The columnar layout keeps its four sections in separate buffers, so that the writer can
/// compress each as its own zstd frame without joining them.
public struct EventsBuilder {
    /// The layout being built.
    public let layout: EventLayout
    // Interleaved: everything in `bodies`.
    private var types = ByteWriter()
    private var deltas = ByteWriter()
    private var lengths = ByteWriter()
    private var bodies = ByteWriter()
    /// Events appended.
    public private(set) var count = 0
    /// Decoded payload size so far.
    public private(set) var byteCount = 0

    /// Creates an empty builder with room for `capacity` payload bytes.
    public init(layout: EventLayout, capacity: Int = 4096) {
        self.layout = layout
        bodies = ByteWriter(capacity: capacity)
        if layout == .columnar {
            types = ByteWriter(capacity: 256)
            deltas = ByteWriter(capacity: 512)
            lengths = ByteWriter(capacity: 256)
        }
    }

    /// The chunk flags for this layout.
    public var chunkFlags: UInt16 { layout == .columnar ? ChunkHeader.columnarEvents : 0 }

    /// The payload in parts whose concatenation is the decoded payload: types, deltas,
    /// lengths and bodies (columnar), or the single event list (interleaved).
    public var sections: [[UInt8]] {
        layout == .columnar ? [types.bytes, deltas.bytes, lengths.bytes, bodies.bytes] : [bodies.bytes]
    }

    /// The decoded payload as one array.
    public var payload: [UInt8] { layout == .columnar ? sections.flatMap { $0 } : bodies.bytes }

    /// Appends one event given its type and encoded body.
    public mutating func append(type: EventType, body: UnsafeRawBufferPointer, deltaMicros: Int64) {
        switch layout {
        case .interleaved:
            bodies.writeUInt8(type.rawValue)
            bodies.writeUVarint(UInt64(deltaMicros))
            bodies.writeUVarint(body.count)
        case .columnar:
            types.writeUInt8(type.rawValue)
            deltas.writeUVarint(UInt64(deltaMicros))
            lengths.writeUVarint(body.count)
        }
        bodies.writeBytes(body)
        count += 1
        byteCount = types.count + deltas.count + lengths.count + bodies.count
    }

    /// Appends one event.
    public mutating func append(_ event: Event, deltaMicros: Int64) {
        switch event {
        case .output(let bytes), .input(let bytes):
            bytes.withUnsafeBytes { append(type: event.type, body: $0, deltaMicros: deltaMicros) }
        default:
            var body = ByteWriter()
            event.encodeBody(into: &body)
            body.bytes.withUnsafeBytes { append(type: event.type, body: $0, deltaMicros: deltaMicros) }
        }
    }

    /// A point to return to with `rollBack(to:)`.
    public struct Mark { fileprivate var types, deltas, lengths, bodies, count: Int }

    /// The current state, to undo later appends.
    public var mark: Mark { Mark(types: types.count, deltas: deltas.count, lengths: lengths.count, bodies: bodies.count, count: count) }

    /// Removes the events appended after `mark`.
    public mutating func rollBack(to mark: Mark) {
        types.bytes.removeSubrange(mark.types...)
        deltas.bytes.removeSubrange(mark.deltas...)
        lengths.bytes.removeSubrange(mark.lengths...)
        bodies.bytes.removeSubrange(mark.bodies...)
        count = mark.count
        byteCount = types.count + deltas.count + lengths.count + bodies.count
    }

    /// Empties the builder, keeping its capacity.
    public mutating func removeAll() {
        types.bytes.removeAll(keepingCapacity: true)
        deltas.bytes.removeAll(keepingCapacity: true)
        lengths.bytes.removeAll(keepingCapacity: true)
        bodies.bytes.removeAll(keepingCapacity: true)
        count = 0
        byteCount = 0
    }
}

/// Encoding and walking the event list of an EVENTS chunk (`Spec/format.md#events`).
///
/// ```
/// interleaved (1.0): repeated type u8 | delta µs uvarint | body length uvarint | body
/// columnar (1.1):    n types u8 | n deltas uvarint | n lengths uvarint | n bodies
/// ```
public enum EventsPayload {
    /// Appends one event to an interleaved events payload.
    /// - Parameter deltaMicros: time after the previous event (or after the chunk start).
    public static func append(_ event: Event, deltaMicros: Int64, into w: inout ByteWriter) {
        var builder = EventsBuilder(layout: .interleaved, capacity: 0)
        builder.append(event, deltaMicros: deltaMicros)
        w.writeBytes(builder.payload)
    }

    /// Visits every event of a decoded payload, checking framing, count and times, in the
    /// layout the chunk header's flags give.
    ///
    /// - Parameters:
    ///   - payload: the decoded payload.
    ///   - header: the chunk's header (flags, start, end, item count).
    ///   - offset: file offset of the chunk, for errors.
    ///   - visit: called per event, in order.
    /// - Throws: `.malformedPayload` when framing is broken, `.badTimestamp` when times do not
    ///   add up to the header's range; errors thrown by `visit` are rethrown. A columnar
    ///   payload is checked whole before the first visit; an interleaved one as it is walked.
    /// - Complexity: O(payload size), no allocation.
    public static func forEach(in payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64,
                               _ visit: (RawEvent) throws -> Void) throws {
        if header.isColumnar {
            try forEachColumnar(in: payload, header: header, offset: offset, visit)
            return
        }
        var r = ByteReader(payload, baseOffset: offset, context: "event list")
        var time = header.startMicros
        var count = 0
        while !r.isAtEnd {
            let type = EventType(rawValue: try r.readUInt8())
            time = try advance(time, by: try r.readUVarint(), header: header, offset: offset)
            let length = try r.readUVarint(max: r.remaining, "event body length")
            let body = try r.readSlice(length)
            count += 1
            try visit(RawEvent(type: type, timeMicros: time, body: body))
        }
        try checkEnd(count: count, time: time, header: header, offset: offset)
    }

    /// The columnar layout: checked whole, then visited.
    private static func forEachColumnar(in payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64,
                                        _ visit: (RawEvent) throws -> Void) throws {
        try checkColumnar(payload, header: header, offset: offset).forEach(visit)
    }

    /// Checks a columnar payload whole: the types fit, every delta keeps its event inside the
    /// chunk's range and the last lands on its end, and the lengths add up to exactly the
    /// bodies that follow them (`Spec/format.md#columnar-layout`).
    /// - Throws: `.malformedPayload` or `.badTimestamp`.
    /// - Complexity: O(number of events); the bodies are not read.
    public static func checkColumnar(_ payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64) throws(FormatError) -> ColumnarEvents {
        let n = header.itemCount
        guard n <= payload.count else {
            throw FormatError(.malformedPayload, "A chunk declares \(n) events but its payload of \(payload.count) bytes cannot hold their types", offset: offset)
        }
        var r = ByteReader(UnsafeRawBufferPointer(rebasing: payload[n...]), baseOffset: offset, context: "event deltas")
        var time = header.startMicros, firstTime = header.startMicros
        for i in 0..<n {
            time = try advance(time, by: try r.readUVarint(), header: header, offset: offset)
            if i == 0 { firstTime = time }
        }
        try checkEnd(count: n, time: time, header: header, offset: offset)
        let lengthsStart = n + r.position
        r = ByteReader(UnsafeRawBufferPointer(rebasing: payload[lengthsStart...]), baseOffset: offset, context: "event lengths")
        var bodyBytes = 0
        for _ in 0..<n { bodyBytes += try r.readUVarint(max: payload.count, "event body length") }
        guard bodyBytes == r.remaining else {
            throw FormatError(.malformedPayload, "A chunk's event lengths add up to \(bodyBytes) bytes but \(r.remaining) bytes of bodies follow them", offset: offset)
        }
        return ColumnarEvents(payload: payload, count: n, startMicros: header.startMicros, firstMicros: firstTime,
                              lastMicros: time, lengthsStart: lengthsStart, bodiesStart: lengthsStart + r.position)
    }

    @inline(__always)
    private static func advance(_ time: Int64, by delta: UInt64, header: ChunkHeader, offset: Int64) throws(FormatError) -> Int64 {
        guard delta <= UInt64(header.endMicros - time) else {
            throw FormatError(.badTimestamp, "An event's time runs past its chunk's end time \(header.endMicros) µs", offset: offset)
        }
        return time + Int64(delta)
    }

    private static func checkEnd(count: Int, time: Int64, header: ChunkHeader, offset: Int64) throws(FormatError) {
        guard count == header.itemCount else {
            throw FormatError(.malformedPayload, "A chunk declares \(header.itemCount) events but holds \(count)", offset: offset)
        }
        guard count == 0 || time == header.endMicros else {
            throw FormatError(.badTimestamp, "A chunk's last event is at \(time) µs but the chunk declares \(header.endMicros) µs", offset: offset)
        }
    }
}

/// The events of a columnar chunk after `EventsPayload.checkColumnar`: every length and time
/// is known to be valid. Aliases the payload, which must outlive it.
public struct ColumnarEvents {
    let payload: UnsafeRawBufferPointer
    /// Number of events.
    public let count: Int
    let startMicros: Int64
    /// Time of the first and of the last event (the chunk's start and end when the writer set them so).
    public let firstMicros: Int64, lastMicros: Int64
    let lengthsStart: Int
    let bodiesStart: Int

    /// The type byte of every event, in order.
    public var types: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: payload[..<count]) }
    /// Every body back to back, in order.
    public var bodies: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: payload[bodiesStart...]) }

    /// The same events over another buffer holding the same payload bytes (the array they
    /// were checked in, borrowed again).
    func over(_ other: UnsafeRawBufferPointer) -> ColumnarEvents {
        precondition(other.count == payload.count)
        return ColumnarEvents(payload: other, count: count, startMicros: startMicros, firstMicros: firstMicros,
                              lastMicros: lastMicros, lengthsStart: lengthsStart, bodiesStart: bodiesStart)
    }

    /// True when every event has type `type` (or one of `also`).
    public func allEvents(are type: EventType, or also: EventType? = nil) -> Bool {
        let a = type.rawValue, b = also?.rawValue ?? a
        return types.allSatisfy { $0 == a || $0 == b }
    }

    /// Visits every event, in order.
    public func forEach(_ visit: (RawEvent) throws -> Void) rethrows {
        // Checked already: the readers cannot fail here.
        var deltas = ByteReader(UnsafeRawBufferPointer(rebasing: payload[count..<lengthsStart]), context: "event deltas")
        var lengths = ByteReader(UnsafeRawBufferPointer(rebasing: payload[lengthsStart..<bodiesStart]), context: "event lengths")
        var body = bodiesStart
        var time = startMicros
        for i in 0..<count {
            time += Int64(truncatingIfNeeded: (try? deltas.readUVarint()) ?? 0)
            let length = Int(truncatingIfNeeded: (try? lengths.readUVarint()) ?? 0)
            try visit(RawEvent(type: EventType(rawValue: payload[i]), timeMicros: time,
                               body: UnsafeRawBufferPointer(rebasing: payload[body..<(body + length)])))
            body += length
        }
    }
}
