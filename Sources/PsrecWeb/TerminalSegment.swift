import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop

/// What the web player fetches to show a moment and play on from it: the screen at session
/// time `from` as bytes that draw it on a fresh terminal, then the output and resize events
/// after it, up to about `budgetBytes` of them.
///
/// ```
/// {"from": µs, "columns": C, "rows": R, "snapshot": base64,
///  "events": [[µs, length], [µs, columns, rows], …],   output: its bytes are the next
///  "data": base64 (every output's bytes, back to back),  `length` bytes of data; resize
///  "end": µs, "continues": bool, "atEnd": bool}
/// ```
///
/// The snapshot holds every event at `from` or before, except when that place is inside an
/// escape sequence: the snapshot is then taken at the last place before it that is not, and
/// `events` starts with the events from there (at `from` or before), to be drawn at once.
/// The events end at a time boundary: every event at `end` or before is in the segment or
/// the snapshot, so when `continues` is true the next segment (`from` = `end`) goes on from
/// exactly where this one stops and only its events need drawing. `continues` is false when
/// a single output was cut to fit the budget (the next segment's snapshot must be drawn).
/// `atEnd`: the events reach the end of the content stored (a live recording grows on).
struct TerminalSegment: Encodable {
    var from: Int64
    var columns: Int
    var rows: Int
    var snapshot: String
    var events: [[Int64]]
    var data: String
    var end: Int64
    var continues: Bool
    var atEnd: Bool

    /// Events' bytes in a segment, each counting `KeyframeBuilder.eventCost` more: with
    /// base64's third, a segment of a normal screen stays under 2 MB.
    static let budgetBytes = 1_200_000

    /// The segment from session time `from`, drawn from `keyframe` (the recording's last
    /// keyframe at or before `from`; nil for its start).
    /// - Complexity: draws the output from the keyframe to `from` (at most a keyframe's
    ///   spacing once keyframes are built), then reads about `budgetBytes` of events.
    static func make(_ reader: RecordingReader, keyframe: TerminalKeyframe?, from: Int64, budgetBytes: Int = budgetBytes) -> TerminalSegment {
        var replay = TerminalReplay(reader, from: keyframe)
        let (lastBoundary, atBoundary) = replay.draw(throughMicros: from)
        if !atBoundary {
            // Drawn again up to the last place between sequences: a snapshot cannot hold half of one.
            replay = TerminalReplay(reader, from: keyframe)
            replay.draw(throughMicros: .max, before: lastBoundary)
        }
        let snapshot = replay.screen.snapshot()
        var events: [[Int64]] = [], data: [UInt8] = []
        var weight = 0, end = from, continues = true, atEnd = true, lastTime = Int64.min
        TerminalReplay.walk(reader, from: replay.position) { event, _ in
            let cost = event.body.count + KeyframeBuilder.eventCost
            if weight > 0 && event.timeMicros > lastTime && weight + cost > budgetBytes && event.timeMicros > from {
                atEnd = false
                return false
            }
            if weight + cost > budgetBytes + budgetBytes / 4 {
                // One output (or outputs at one time) larger than the budget: cut, and the next segment redraws.
                let room = max(0, budgetBytes + budgetBytes / 4 - weight - KeyframeBuilder.eventCost)
                if event.type == .output, room > 0 {
                    events.append([event.timeMicros, Int64(room)])
                    data += event.body.prefix(room)
                }
                end = max(from, event.timeMicros)
                continues = false
                atEnd = false
                return false
            }
            if event.type == .output {
                events.append([event.timeMicros, Int64(event.body.count)])
                data += event.body
            } else if case .resize(let columns, let rows)? = try? event.decoded(), columns > 0, rows > 0 {
                events.append([event.timeMicros, Int64(columns), Int64(rows)])
            }
            weight += cost
            lastTime = event.timeMicros
            end = max(end, event.timeMicros)
            return true
        }
        return TerminalSegment(from: from, columns: snapshot.columns, rows: snapshot.rows, snapshot: Data(snapshot.ansi).base64EncodedString(),
                               events: events, data: Data(data).base64EncodedString(), end: end, continues: continues, atEnd: atEnd)
    }
}
