public import PsrecFormat

/// Draws the screen of a recording at any moment (`Spec/format.md#screen-recordings`).
///
/// To draw time `t`, the renderer takes the last EVENTS chunk starting at or before `t` from
/// the seek index, walks back chunk by chunk until a chunk whose first event is a keyframe
/// at or before `t` (a keyframe always starts a chunk), then draws that keyframe and every
/// delta after it up to `t`. The chunks read on the way back are kept and drawn, so each is
/// read once: the cost is the chunks since the last keyframe, never the whole file.
///
/// After a `render(at:)`, `render(at:)` of a later time close by continues forward from where
/// it stopped; an earlier time, or one far ahead, seeks again.
public final class ScreenRenderer {
    /// The recording.
    public let reader: RecordingReader
    /// The screen as of `position`.
    public private(set) var framebuffer: Framebuffer
    /// Session time the framebuffer shows (every event at or before it is drawn).
    public private(set) var position: Int64 = -1
    /// The pointer position as of `position`, if any was recorded.
    public private(set) var pointer: (x: Int, y: Int)?
    /// Chunks that failed their checks while rendering (skipped), by sequence number.
    public private(set) var damagedChunks: [UInt32] = []
    /// Seeking ahead rather than playing forward once more than this many chunks lie between.
    public var forwardChunkLimit = 64

    private var nextEntry = 0
    private var pending: [TimedEvent] = []
    private var pendingIndex = 0

    /// A renderer over `reader`; it starts on a black screen of the metadata's size.
    public init(reader: RecordingReader) {
        self.reader = reader
        framebuffer = Self.blank(reader)
    }

    /// Largest screen, in pixels, drawn black from the metadata's size alone before the
    /// first keyframe: 2^22 (16 MiB of BGRA, 2560 × 1600 fits). The metadata's size is a
    /// number anyone can write, not content: a file of a few hundred bytes declaring
    /// 16 384 × 16 384 must not cost a gigabyte. A larger screen starts empty (0 × 0) and
    /// takes its size from its first keyframe, whose pixels are decoded content.
    public static let maxBlankPixels = 1 << 22

    /// The screen before any keyframe: blank, of the metadata's size when that is at most
    /// `maxBlankPixels` pixels, else empty (a declared size is not trusted with memory).
    public static func blank(_ reader: RecordingReader) -> Framebuffer {
        let screen = reader.metadata?.screen
        let w = min(max(screen?.width ?? 0, 0), Limits.maxScreenDimension), h = min(max(screen?.height ?? 0, 0), Limits.maxScreenDimension)
        guard w * h <= maxBlankPixels else { return Framebuffer(width: 0, height: 0) }
        return Framebuffer(width: w, height: h)
    }

    /// The screen at session time `t`.
    /// - Complexity: reads the chunks from the last keyframe at or before `t` to `t` (when
    ///   seeking), or the chunks between the last position and `t` (when playing forward).
    @discardableResult
    public func render(at t: Int64) -> Framebuffer {
        let last = lastEntry(startingAtOrBefore: t)
        if t < position || last - nextEntry > forwardChunkLimit || position < 0 {
            seek(to: t, last: last)
        } else {
            advance(to: t)
        }
        return framebuffer
    }

    /// Index of the last entry whose chunk starts at or before `t`, or -1.
    func lastEntry(startingAtOrBefore t: Int64) -> Int {
        var low = 0, high = reader.entries.count
        while low < high {
            let mid = (low + high) / 2
            if reader.entries[mid].startMicros <= t { low = mid + 1 } else { high = mid }
        }
        return low - 1
    }

    private func decode(_ i: Int) -> [TimedEvent]? {
        guard let events = Self.events(of: reader, entry: i) else {
            damagedChunks.append(reader.entries[i].sequence)
            return nil
        }
        return events
    }

    /// The events of chunk `i` of `reader`'s index, or nil when it fails its checks: a chunk
    /// is drawn whole or not at all, and memory follows the events there, not a declared count.
    public static func events(of reader: RecordingReader, entry i: Int) -> [TimedEvent]? {
        let entry = reader.entries[i]
        do {
            let (chunk, payload) = try reader.readEvents(entry)
            var events: [TimedEvent] = []
            try payload.withUnsafeBytes { raw in
                events.reserveCapacity(try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset))
                try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { event in
                    events.append(TimedEvent(timeMicros: event.timeMicros, event: try event.decoded()))
                }
            }
            return events
        } catch {
            return nil
        }
    }

    private func seek(to t: Int64, last: Int) {
        framebuffer = Self.blank(reader)
        pointer = nil
        var chunks: [[TimedEvent]] = []
        var i = last
        while i >= 0 {
            defer { i -= 1 }
            guard let events = decode(i) else { continue }
            chunks.append(events)
            if let first = events.first, first.timeMicros <= t, case .screenKeyframe = first.event { break }
        }
        pending = []
        pendingIndex = 0
        nextEntry = last + 1
        for events in chunks.reversed() { play(events, to: t) }
        position = t
    }

    private func advance(to t: Int64) {
        while pendingIndex < pending.count, pending[pendingIndex].timeMicros <= t {
            apply(pending[pendingIndex].event)
            pendingIndex += 1
        }
        while nextEntry < reader.entries.count, reader.entries[nextEntry].startMicros <= t {
            let i = nextEntry
            nextEntry += 1
            guard let events = decode(i) else { continue }
            play(events, to: t)
        }
        position = t
    }

    /// Draws the events up to `t` and keeps the rest for later.
    private func play(_ events: [TimedEvent], to t: Int64) {
        var k = 0
        while k < events.count, events[k].timeMicros <= t {
            apply(events[k].event)
            k += 1
        }
        if k < events.count {
            pending = Array(events[k...])
            pendingIndex = 0
        }
    }

    private func apply(_ event: Event) {
        switch event {
        case .screenKeyframe(let image): framebuffer.draw(image)
        case .screenDelta(let delta): framebuffer.draw(delta)
        case .pointerMove(let x, let y), .click(let x, let y, _): pointer = (x, y)
        default: break
        }
    }
}
