import PsrecCatalog
import PsrecFormat
import PsrecInterop

/// Builds the keyframes of a terminal recording: the screen (`TerminalScreen.snapshot()`)
/// every `spacingBytes` of output, so that the web player shows any moment by drawing one
/// keyframe and at most that much output after it.
///
/// ```
///  events:   o o o o o o|o o o o o o o|o o o o o …
///  keyframes: K0         K1            K2
///             ^ the start (blank screen)   each cut where the output since the last
///                                          reached spacingBytes and the screen is between
///                                          two sequences
/// ```
///
/// A keyframe is cut only where the screen is at a sequence boundary (no escape sequence or
/// UTF-8 character half drawn), since a snapshot cannot carry half a sequence. An event costs
/// its bytes plus `eventCost` (what the segment's JSON spends on it), so that many tiny
/// events also make keyframes. Memory is one chunk and the screen, whatever the recording.
struct KeyframeBuilder {
    /// Output between two keyframes, in bytes (each event counting `eventCost` more).
    var spacingBytes = 512 * 1024
    /// What an event costs beside its bytes: its time and length in a segment's JSON.
    static let eventCost = 16

    /// The keyframes after `last` (or from the recording's start, the first being the start
    /// itself, when `last` is nil), handed to `emit` in order.
    ///
    /// A live recording's build resumes from its last keyframe: the keyframe's snapshot is
    /// drawn on a fresh screen and the events after it follow. A cut whose next event has not
    /// arrived yet is left for the next build.
    /// - Returns: the number of keyframes emitted.
    @discardableResult
    func build(_ reader: RecordingReader, after last: TerminalKeyframe?, emit: (TerminalKeyframe) throws -> Void) rethrows -> Int {
        let replay = TerminalReplay(reader, from: last)
        let screen = replay.screen
        var emitted = 0
        if last == nil || TerminalReplay.entry(reader, atOffset: last!.chunkOffset) == nil {
            guard let first = reader.entries.first else { return 0 }
            try emit(TerminalKeyframe(timeMicros: first.startMicros, chunkOffset: first.offset, eventIndex: 0,
                                      columns: screen.columns, rows: screen.rows, snapshot: screen.snapshot().ansi))
            emitted += 1
        }
        var weight = 0
        var cut: TerminalSnapshot?
        try TerminalReplay.walk(reader, from: replay.position) { event, at in
            if let snapshot = cut {
                cut = nil
                try emit(TerminalKeyframe(timeMicros: event.timeMicros, chunkOffset: reader.entries[at.entry].offset, eventIndex: at.eventIndex,
                                          columns: snapshot.columns, rows: snapshot.rows, snapshot: snapshot.ansi))
                emitted += 1
            }
            TerminalReplay.draw(event, on: screen)
            weight += event.body.count + Self.eventCost
            if weight >= spacingBytes, event.type == .output, screen.isAtSequenceBoundary {
                cut = screen.snapshot()
                weight = 0
            }
            return true
        }
        return emitted
    }
}
