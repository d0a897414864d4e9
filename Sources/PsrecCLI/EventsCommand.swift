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
        Exit status: 0 complete, 1 truncated, 2 damaged, 3 not a psrec file or unreadable, 64 usage error.
        """)

    @OptionGroup var input: RecordingLocator
    @OptionGroup var range: TimeRangeOptions

    @Flag(help: "Print JSON lines.")
    var json = false

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            let out = OutputBuffer()
            for event in reader.events(fromMicros: range.fromMicros, toMicros: range.toMicros) {
                out.append((json ? event.jsonLine() : Self.text(event)) + "\n")
            }
            out.flush()
            if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
            return ExitStatus.of(reader.status)
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
