import PsrecFormat

/// One EVENTS chunk decoded for playback: its payload, checked whole (a chunk is played
/// whole or not at all), and nothing per event.
///
/// Memory follows the payload, whatever the number of events the chunk holds: events are
/// walked with an `EventCursor` each time they are needed, and output bodies are handed to
/// the output as slices of the payload, never copied.
struct PlaybackChunk {
    let header: ChunkHeader
    let offset: Int64
    let payload: [UInt8]
    /// The number of events (counted by the check).
    let eventCount: Int
    /// The format's cursor before the first event.
    private let beforeFirst: EventCursor

    /// Decodes and checks the chunk `entry` points to.
    init(reader: RecordingReader, entry: SeekEntry) throws {
        let (header, payload) = try reader.readEvents(entry)
        self.header = header
        self.offset = entry.offset
        self.payload = payload
        (eventCount, beforeFirst) = try payload.withUnsafeBytes { raw in
            (try EventsPayload.checkWhole(raw, header: header, offset: entry.offset),
             try EventCursor(checked: raw, header: header, offset: entry.offset))
        }
    }

    /// A cursor before event `event` (walked from the first event).
    func cursor(at event: Int) -> ChunkCursor {
        payload.withUnsafeBytes { raw in
            var cursor = ChunkCursor(event: 0, events: beforeFirst)
            while cursor.event < min(event, eventCount), cursor.events.next(in: raw) != nil { cursor.event += 1 }
            return cursor
        }
    }

    /// Visits the events from `start` up to (not including) event `end`, with their ordinals.
    func forEachEvent(from start: ChunkCursor, to end: Int, _ visit: (Int, RawEvent) -> Void) {
        payload.withUnsafeBytes { raw in
            var cursor = start
            while cursor.event < end, let event = cursor.events.next(in: raw) {
                visit(cursor.event, event)
                cursor.event += 1
            }
        }
    }

    /// The step that starts at `start`, or nil at the end of the chunk.
    ///
    /// A step is the run of consecutive events shown at one instant: every event at the
    /// first one's time, so a million events recorded at one instant cost one wait and one
    /// write, not a million. An indicator ends its step unless more indicators (or events
    /// that draw nothing) follow at the same time, so a jump to an indicator lands just
    /// after it and before the output recorded with it.
    func step(from start: ChunkCursor) -> PlaybackStep? {
        payload.withUnsafeBytes { raw in
            var cursor = start
            guard let first = cursor.events.next(in: raw) else { return nil }
            cursor.event += 1
            var step = PlaybackStep(timeMicros: first.timeMicros, start: start, end: cursor)
            step.include(first)
            while true {
                var ahead = cursor
                guard let event = ahead.events.next(in: raw), event.timeMicros == step.timeMicros else { break }
                if step.hasIndicator && (event.type == .output && event.body.count > 0 || event.type == .resize) { break }
                ahead.event += 1
                step.include(event)
                cursor = ahead
            }
            step.end = cursor
            return step
        }
    }
}

/// A place inside a decoded chunk: the event ordinal, and the format's cursor at it.
struct ChunkCursor {
    var event: Int
    var events: EventCursor
}

/// Events shown at one instant (see `PlaybackChunk.step(from:)`).
struct PlaybackStep {
    /// The events' session time.
    var timeMicros: Int64
    /// Before the first event and after the last.
    var start: ChunkCursor
    var end: ChunkCursor
    /// True when some event draws output (a non-empty output body).
    var drawsOutput = false
    /// True when the step holds an indicator.
    var hasIndicator = false

    init(timeMicros: Int64, start: ChunkCursor, end: ChunkCursor) {
        self.timeMicros = timeMicros
        self.start = start
        self.end = end
    }

    mutating func include(_ event: RawEvent) {
        if event.type == .output && event.body.count > 0 { drawsOutput = true }
        if event.type.isIndicator { hasIndicator = true }
    }
}
