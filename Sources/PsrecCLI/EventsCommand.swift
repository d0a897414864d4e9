import ArgumentParser
import PsrecFormat

/// `psrec events FILE [--json] [--from T] [--to T]`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "List a recording's events, one per line.",
        discussion: """
        Text lines show the session time, the event type and its details with control \
        characters escaped; --json prints one JSON object per line. \
        Exit status: 0 complete, 1 truncated, 2 corrupt, 3 not a psrec file or unreadable, 64 usage error.
        """)

    @OptionGroup var input: RecordingLocator
    @OptionGroup var range: TimeRangeOptions

    @Flag(help: "Print JSON lines.")
    var json = false

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            let out = OutputBuffer()
            // Straight from each checked chunk's payload: a long body is written in pieces and
            // never copied whole, and no list of a chunk's events is built (issue 11).
            try reader.forEachEvent(fromMicros: range.fromMicros, toMicros: range.toMicros) { event in
                if json {
                    try event.writeJSONLine { out.append($0) }
                } else {
                    try Self.writeText(event) { out.append($0) }
                }
                out.append("\n")
            }
            out.flush()
            if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
            return ExitStatus.of(reader.status)
        }
    }

    /// `text(_:)` of the event, written in pieces: output, input, marker and command bodies
    /// block by block (`TextBlocks`), screen events without copying their pixels.
    static func writeText(_ event: RawEvent, _ write: (String) -> Void) throws {
        // A short event is cheapest as one line.
        if event.body.count <= TextBlocks.size && event.type != .screenKeyframe && event.type != .screenDelta {
            write(text(TimedEvent(timeMicros: event.timeMicros, event: try event.decoded())))
            return
        }
        let prefix = TimeFormat.clock(event.timeMicros) + " " + event.type.name + " "
        switch event.type {
        case .output, .input:
            write(prefix + "\"")
            let valid = TextBlocks.isValidUTF8(event.body)
            TextBlocks.forEach(event.body) { block in
                write(valid ? TerminalSafe.escape(String(decoding: block, as: UTF8.self)) : TerminalSafe.escape(bytes: Array(block), validUTF8: false))
            }
            write("\"")
        case .marker, .command:
            write(prefix + "\"")
            TextBlocks.forEach(event.body) { write(TerminalSafe.escape(String(decoding: $0, as: UTF8.self))) }
            write("\"")
        case .screenKeyframe, .screenDelta:
            write(text(TimedEvent(timeMicros: event.timeMicros, event: try event.decodedWithoutPixels())))
        case let type where type.name.hasPrefix("unknown"):
            write(prefix + "\(event.body.count) bytes")
        default:
            write(text(TimedEvent(timeMicros: event.timeMicros, event: try event.decoded())))
        }
    }

    /// One human-readable line; every byte from the file is escaped.
    static func text(_ e: TimedEvent) -> String {
        let detail: String
        switch e.event {
        case .output(let b), .input(let b): detail = "\"" + TerminalSafe.escape(bytes: b) + "\""
        case .resize(let c, let r): detail = "\(c)x\(r)"
        case .marker(let s), .command(let s): detail = "\"" + TerminalSafe.escape(s) + "\""
        case .click(let x, let y, let b): detail = "x=\(x) y=\(y) button=\(b)"
        case .exit(let s): detail = "status=\(s)"
        case .redactedInput(let n): detail = "\(n) bytes withheld"
        case .gap(let g): detail = "lost \(TimeFormat.clock(g.fromMicros))-\(TimeFormat.clock(g.toMicros)), bytes \(g.fromOffset)-\(g.toOffset)"
        case .screenKeyframe(let i): detail = "\(i.width)x\(i.height) format=\(i.format.rawValue)"
        case .screenDelta(let d): detail = "\(d.rects.count) rect(s) format=\(d.format.rawValue)"
        case .pointerMove(let x, let y): detail = "x=\(x) y=\(y)"
        case .key(let k, let m, let down): detail = "keysym=0x\(String(k, radix: 16)) modifiers=\(m) \(down ? "down" : "up")"
        case .unknown(_, let body): detail = "\(body.count) bytes"
        }
        return TimeFormat.clock(e.timeMicros) + " " + e.event.type.name + " " + detail
    }
}
