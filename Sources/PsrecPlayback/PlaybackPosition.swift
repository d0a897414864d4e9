/// A place between two events: the next event to show is number `event` of EVENTS chunk
/// number `entry` (an index into `RecordingReader.entries`). Events that share a time stay
/// apart, which a session time alone could not do.
public struct PlaybackPosition: Comparable, Hashable, Sendable {
    /// Index of the chunk in `RecordingReader.entries`.
    public var entry: Int
    /// Ordinal of the event inside that chunk.
    public var event: Int

    /// A position before event `event` of chunk `entry`.
    public init(entry: Int, event: Int) {
        self.entry = entry
        self.event = event
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.entry, a.event) < (b.entry, b.event)
    }
}
