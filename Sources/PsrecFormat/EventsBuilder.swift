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
    public struct Mark {
        fileprivate var types, deltas, lengths, bodies, count: Int
        /// The payload size at the mark.
        public let byteCount: Int
    }

    /// The current state, to undo later appends.
    public var mark: Mark {
        Mark(types: types.count, deltas: deltas.count, lengths: lengths.count, bodies: bodies.count, count: count, byteCount: byteCount)
    }

    /// Removes the events appended after `mark`.
    public mutating func rollBack(to mark: Mark) {
        types.bytes.removeSubrange(mark.types...)
        deltas.bytes.removeSubrange(mark.deltas...)
        lengths.bytes.removeSubrange(mark.lengths...)
        bodies.bytes.removeSubrange(mark.bodies...)
        count = mark.count
        byteCount = mark.byteCount
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
