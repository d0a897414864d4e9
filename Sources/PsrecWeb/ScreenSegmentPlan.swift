import PsrecFormat

/// How the screen player cuts a recording into segments: runs of consecutive EVENTS chunks,
/// each served with a snapshot of the screen at its start (`ScreenSegment`), so that showing
/// any moment costs one segment whatever the recording's length.
///
/// The plan is made from the seek index alone (no chunk is read) and greedily, chunk by
/// chunk, so that a live recording's plan only ever grows: every segment but the last is
/// final, and the last one gains chunks until it is full.
///
/// ```
/// chunks    |c0|c1|c2|c3|c4|c5|c6|c7|c8| ...
/// segments  [ s0 (≤ 10 s, ≤ 16 chunks) ][ s1      ][ s2 ...
/// ```
struct ScreenSegmentPlan {
    /// One segment: chunks `firstEntry ..< firstEntry + entryCount` of the seek index.
    struct Segment: Equatable {
        var firstEntry: Int
        var entryCount: Int
        /// Session time of its first event.
        var startMicros: Int64
        /// Session time of its last event.
        var endMicros: Int64
    }

    /// Longest session time a segment spans, unless it has one chunk only.
    static let maxSpanMicros: Int64 = 10_000_000
    /// Most chunks in a segment (a chunk holds at most 32 MiB decoded: `Limits.maxDecodedLength`).
    static let maxChunks = 16

    private(set) var segments: [Segment] = []

    init(_ entries: [SeekEntry]) {
        for (i, entry) in entries.enumerated() {
            if var last = segments.last, last.entryCount < Self.maxChunks, entry.endMicros - last.startMicros <= Self.maxSpanMicros {
                last.entryCount += 1
                last.endMicros = max(last.endMicros, entry.endMicros)
                segments[segments.count - 1] = last
            } else {
                segments.append(Segment(firstEntry: i, entryCount: 1, startMicros: entry.startMicros, endMicros: entry.endMicros))
            }
        }
    }
}
