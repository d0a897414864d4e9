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

    /// Decodes the body like `decoded()` but leaves screen pixels out (the pixel arrays are
    /// empty): for showing a keyframe's or delta's sizes without copying its pixels.
    public func decodedWithoutPixels() throws(FormatError) -> Event {
        try Event.decode(type: type, body: body, baseOffset: 0, pixels: false)
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

    /// Checks a decoded EVENTS payload whole, as a chunk must be before any of its events is
    /// played (`Spec/format.md#events`: a chunk is played whole or not at all): framing, count
    /// and times, every body that has rules (all but output and input), and at most
    /// `Limits.maxIndicatorsPerChunk` indicators.
    ///
    /// - Parameter indicator: called with each indicator event and the detail the index keeps
    ///   for it: `Indicator.detail(type:body:)` cut to what remains of the 1024 bytes the
    ///   details of one chunk share.
    /// - Returns: the number of events.
    /// - Throws: `.malformedPayload` or `.badTimestamp`; errors thrown by `indicator`.
    /// - Complexity: O(payload size); no allocation per event, no body copied (only the
    ///   indicator details, at most 1 KiB each).
    @discardableResult
    public static func checkWhole(_ payload: UnsafeRawBufferPointer, header: ChunkHeader, offset: Int64,
                                  indicator: ((RawEvent, String) throws -> Void)? = nil) throws -> Int {
        guard header.isColumnar else {
            var bodies = BodyCheck(offset: offset, indicator: indicator)
            var count = 0
            try forEach(in: payload, header: header, offset: offset) { raw in
                count += 1
                try bodies.check(raw)
            }
            return count
        }
        let events = try checkColumnar(payload, header: header, offset: offset)
        try checkBodies(of: events, offset: offset, indicator: indicator)
        return events.count
    }

    /// The body checks of `checkWhole(_:header:offset:indicator:)` on a columnar chunk whose
    /// framing `checkColumnar` has checked (so a caller that needs the `ColumnarEvents`
    /// frames it once).
    public static func checkBodies(of events: ColumnarEvents, offset: Int64,
                                   indicator: ((RawEvent, String) throws -> Void)? = nil) throws {
        // A chunk of output and input only has nothing more to check.
        guard !events.allEvents(are: .output, or: .input) else { return }
        var bodies = BodyCheck(offset: offset, indicator: indicator)
        try events.forEach { try bodies.check($0) }
    }

    /// Checks event bodies one by one and counts the indicators.
    private struct BodyCheck {
        let offset: Int64
        let indicator: ((RawEvent, String) throws -> Void)?
        var indicators = 0
        /// What remains of the 1024 detail bytes the chunk's indicators share in the index.
        var detailBudget = Limits.maxIndicatorDetailBytes

        mutating func check(_ raw: RawEvent) throws {
            // Output and input bodies are any bytes: framing was their whole check.
            if raw.type == .output || raw.type == .input { return }
            try Event.check(type: raw.type, body: raw.body)
            guard raw.type.isIndicator else { return }
            indicators += 1
            guard indicators <= Limits.maxIndicatorsPerChunk else {
                throw FormatError(.malformedPayload, "A chunk holds more than \(Limits.maxIndicatorsPerChunk) indicator events (markers, commands, clicks)", offset: offset)
            }
            guard let indicator else { return }
            let detail = Indicator.bounded(try Indicator.detail(type: raw.type, body: raw.body) ?? "", to: detailBudget)
            detailBudget -= detail.utf8.count
            try indicator(raw, detail)
        }
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
