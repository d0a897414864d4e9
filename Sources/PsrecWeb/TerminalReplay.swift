import PsrecCatalog
import PsrecFormat
import PsrecInterop

/// A place in a terminal recording's events: the EVENTS chunk (an index into
/// `RecordingReader.entries`) and how many of its events come before it.
struct TerminalPosition: Equatable, Comparable {
    var entry: Int
    var eventIndex: Int

    static func < (a: Self, b: Self) -> Bool { (a.entry, a.eventIndex) < (b.entry, b.eventIndex) }
}

/// A terminal recording's screen drawn from a place in its events: the recording's start
/// (a blank screen of the size its metadata gives) or a keyframe (a fresh screen of the
/// keyframe's size with its snapshot drawn on it), then the output and resize events after
/// it, one chunk in memory at a time.
///
/// Resizes are applied one by one (`TerminalScreen.replaying` groups a run of them first,
/// which leaves the same screen).
final class TerminalReplay {
    let reader: RecordingReader
    let screen: TerminalScreen
    /// Where the next event drawn is.
    private(set) var position: TerminalPosition

    /// - Parameter keyframe: where to start; nil, or one whose chunk is not among the
    ///   reader's, starts at the recording's start.
    init(_ reader: RecordingReader, from keyframe: TerminalKeyframe?) {
        self.reader = reader
        if let keyframe, let entry = Self.entry(reader, atOffset: keyframe.chunkOffset) {
            screen = TerminalScreen(columns: keyframe.columns, rows: keyframe.rows, maxScrollbackLines: 0)
            screen.feed(keyframe.snapshot)
            position = TerminalPosition(entry: entry, eventIndex: keyframe.eventIndex)
        } else {
            let size = Self.initialSize(reader)
            screen = TerminalScreen(columns: size.columns, rows: size.rows, maxScrollbackLines: 0)
            position = TerminalPosition(entry: 0, eventIndex: 0)
        }
    }

    /// The terminal size a recording starts with: its metadata's, or 80 × 24.
    static func initialSize(_ reader: RecordingReader) -> (columns: Int, rows: Int) {
        let columns = reader.metadata?.terminal?.cols ?? 0, rows = reader.metadata?.terminal?.rows ?? 0
        return columns > 0 && rows > 0 ? TerminalScreen.clampedSize(columns: columns, rows: rows) : (80, 24)
    }

    /// The index of the EVENTS chunk at file offset `offset`, if the reader has one there.
    static func entry(_ reader: RecordingReader, atOffset offset: Int64) -> Int? {
        var low = 0, high = reader.entries.count
        while low < high {
            let mid = (low + high) / 2
            if reader.entries[mid].offset < offset { low = mid + 1 } else { high = mid }
        }
        return low < reader.entries.count && reader.entries[low].offset == offset ? low : nil
    }

    /// Visits the output and resize events from `start` on, in order, with the place of
    /// each, until `visit` returns false. A chunk that fails its checks is skipped whole (as
    /// `RecordingReader.events` does). The event's body is valid only during the call.
    static func walk(_ reader: RecordingReader, from start: TerminalPosition,
                     _ visit: (RawEvent, TerminalPosition) throws -> Bool) rethrows {
        var entry = start.entry
        while entry < reader.entries.count {
            let seek = reader.entries[entry]
            let read = Result { () throws(FormatError) -> (ChunkHeader, [UInt8]) in try reader.readEvents(seek) }
            guard case .success(let (chunk, payload)) = read else { entry += 1; continue }
            let stop = try payload.withUnsafeBytes { raw -> Bool in
                var cursor: EventCursor
                do {
                    try EventsPayload.checkWhole(raw, header: chunk, offset: seek.offset)
                    cursor = try EventCursor(checked: raw, header: chunk, offset: seek.offset)
                } catch {
                    return false
                }
                var index = 0
                while let event = cursor.next(in: raw) {
                    defer { index += 1 }
                    if entry == start.entry && index < start.eventIndex { continue }
                    guard event.type == .output || event.type == .resize else { continue }
                    if try !visit(event, TerminalPosition(entry: entry, eventIndex: index)) { return true }
                }
                return false
            }
            if stop { return }
            entry += 1
        }
    }

    /// Draws one output or resize event on `screen`.
    static func draw(_ event: RawEvent, on screen: TerminalScreen) {
        if event.type == .output {
            screen.feed(event.body)
        } else if case .resize(let columns, let rows)? = try? event.decoded(), columns > 0, rows > 0 {
            screen.resize(columns: columns, rows: rows)
        }
    }

    /// Draws every event from `position` through session time `micros` (included), or up
    /// to `limit` (excluded) when that comes first. Returns the place after the last event
    /// drawn after which the screen was at a sequence boundary (`position` itself if none
    /// was), and whether the screen is at one now.
    @discardableResult
    func draw(throughMicros micros: Int64, before limit: TerminalPosition? = nil) -> (lastBoundary: TerminalPosition, atBoundary: Bool) {
        var lastBoundary = position, next = position
        let screen = screen
        Self.walk(reader, from: position) { event, at in
            if let limit, at >= limit { next = at; return false }
            guard event.timeMicros <= micros else { next = at; return false }
            Self.draw(event, on: screen)
            next = TerminalPosition(entry: at.entry, eventIndex: at.eventIndex + 1)
            if screen.isAtSequenceBoundary { lastBoundary = next }
            return true
        }
        position = next
        return (lastBoundary, screen.isAtSequenceBoundary)
    }
}
