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
