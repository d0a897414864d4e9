import ArgumentParser
import PsrecCatalog
import PsrecFormat
import PsrecPlayback
#if canImport(Glibc)
import Glibc
#endif

/// `psrec play FILE`: plays the recorded terminal output at the recorded pace.
///
/// The engine (`Player` in PsrecPlayback) does the timing, seeking and jumps; this command
/// gives it the terminal: keys from stdin (`TerminalPlayerInput`), output and the status in
/// the window title (`TerminalPlayerOutput`), raw mode restored on every exit path.
struct PlayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "play",
        abstract: "Play a terminal recording in the terminal, with speed, skip-inactivity and indicator jumps.",
        discussion: """
        Keys while playing: space pause/resume, . one step (up to the next output) while \
        paused, ] and [ next and previous indicator, + and - double and halve the speed, \
        q quit. The status (time, speed, next indicator) is shown in the terminal's window \
        title (tmux: the pane title), never on the played screen; the previous title is \
        restored at exit.

        --skip-inactivity alone caps every pause at 1 second; --skip-inactivity=2.5 (or \
        =500ms, =1m) at the time given. The cap applies to recording time, before the speed.

        When stdout is not a terminal, the output is written on the same schedule with no \
        keys, no status and no control sequences of the player's own: byte for byte what \
        psrec cat writes.

        Truncated files play to their last complete chunk, with a note on stderr. Exit \
        status: 0 complete, 1 truncated, 2 corrupt (corrupt chunks skipped), 3 not a psrec \
        file or unreadable, 64 usage error.
        """)

    @OptionGroup var input: RecordingLocator

    @Option(name: [.short, .long], help: ArgumentHelp("Speed factor (0.015625 to 1024): 2 plays twice as fast.", valueName: "speed"))
    var speed: Double = 1

    @Option(name: .customLong("skip-inactivity"), defaultAsFlag: IdleCap(micros: PlaybackSchedule.defaultIdleCapMicros),
            help: ArgumentHelp("Cap every pause at this many seconds (1 when given without a value: --skip-inactivity or --skip-inactivity=2.5).", valueName: "seconds"))
    var skipInactivity: IdleCap? = nil

    @Option(help: ArgumentHelp("Start at this session time (seconds: 90 or 1.5; 1:30; 2m, 500ms); the screen is rebuilt as it was then.", valueName: "time"),
            transform: SessionTime.parse)
    var from: SessionTime?

    @Flag(help: "With --db: after what has arrived, show a live recording's output as its chunks reach the catalog, until it is complete or interrupted (Ctrl-C stops).")
    var follow = false

    func validate() throws {
        if follow && input.db == nil {
            throw ValidationError("--follow is for a recording in a catalog (--db): a live recording is one being streamed to psrec serve.")
        }
        guard (PlaybackSchedule.minimumSpeed...PlaybackSchedule.maximumSpeed).contains(speed) else {
            throw ValidationError("--speed \(speed) is out of range; use 0.015625 to 1024.")
        }
        if let invalid = skipInactivity?.invalid {
            throw ValidationError("--skip-inactivity=\(TerminalSafe.escape(invalid)) is not a time; use seconds (2.5) or a unit (500ms, 1m).")
        }
    }

    var schedule: PlaybackSchedule { PlaybackSchedule(speed: speed, idleCapMicros: skipInactivity?.micros) }
    var fromMicros: Int64 { from?.micros ?? 0 }

    func run() throws {
        try reporting {
            let (reader, name) = try openRecording()
            let status = Self.play(reader, name: name, schedule: schedule, fromMicros: fromMicros)
            guard follow, let db = input.db else { return status }
            return try Self.followLive(db: db, id: input.file, as: CatalogPrincipal.make(input.asUser), name: name, after: reader)
        }
    }

    /// How often `--follow` looks for chunks that have arrived.
    static let followMicros: UInt32 = 250_000

    /// `--follow`: the output of every EVENTS chunk after those `reader` held, written as
    /// it reaches the catalog, until the recording is no longer live. The view was
    /// authorised and audited when the recording was opened; each look is authorised again,
    /// so a right revoked meanwhile ends it.
    static func followLive(db: String, id: String, as principal: Principal, name: String, after reader: RecordingReader) throws -> Int32 {
        let catalog = try Catalog(path: db)
        var lastSequence = reader.entries.last?.sequence
        var lastSize = Int64(-1)
        let out = OutputBuffer()
        while true {
            let recording = try catalog.recording(id, as: principal)
            try catalog.authorize(.view, recording, as: principal, log: false)
            if recording.fileBytes != lastSize {
                lastSize = recording.fileBytes
                let current = try RecordingReader(source: try catalog.content(of: recording))
                let start = current.entries.firstIndex { entry in lastSequence.map { entry.sequence > $0 } ?? true } ?? current.entries.count
                try current.forEachChunk(start..<current.entries.count) { entry, read in
                    guard case .success(let (header, payload)) = read else { return }
                    try payload.withUnsafeBytes { raw in
                        try EventsPayload.forEach(in: raw, header: header, offset: entry.offset) { event in
                            if event.type == .output { out.append(event.body) }
                        }
                    }
                    lastSequence = entry.sequence
                    out.flush()
                }
            }
            switch recording.state {
            case .live:
                usleep(followMicros)
            case .interrupted:
                Console.error("\(TerminalSafe.escape(name)) was interrupted: its capture host has gone silent; what arrived is shown.")
                return ExitStatus.truncated
            default:
                Console.error("\(TerminalSafe.escape(name)) has ended (\(recording.state.rawValue)).")
                return ExitStatus.ok
            }
        }
    }

    /// The recording to play and the name to show for it. Any `RecordingReader` will do: a
    /// catalog (`--db`) opens one over its stored content (`RecordingReader(source:)`).
    func openRecording() throws -> (RecordingReader, String) {
        try input.open()
    }

    /// Plays `reader` on stdout, with keys from stdin when both are terminals; returns the
    /// exit status.
    static func play(_ reader: RecordingReader, name: String, schedule: PlaybackSchedule, fromMicros: Int64) -> Int32 {
        let output = TerminalPlayerOutput.standardOutput()
        let keys = output.isTerminal && isatty(0) == 1
        if output.isTerminal { TerminalModes.enter(keyFd: keys ? 0 : nil, titleFd: 1) }
        defer { TerminalModes.restore() }
        let player = Player(reader: reader, schedule: schedule, input: TerminalPlayerInput(keysEnabled: keys), output: output)
        player.run(fromMicros: fromMicros)
        TerminalModes.restore()
        if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
        for problem in player.problems { Console.error("\(TerminalSafe.escape(name)): \(TerminalSafe.escape(problem.description))") }
        return player.problems.isEmpty ? ExitStatus.of(reader.status) : ExitStatus.corrupt
    }
}

/// A `--skip-inactivity` value: a time such as `2.5`, `500ms` or `1m`.
///
/// swift-argument-parser's `defaultAsFlag` gives `--skip-inactivity` its optional value: a
/// value that does not parse makes the option act as a bare flag and stay for the file
/// argument, which is what lets `play --skip-inactivity FILE` work. So only text that is
/// not a number at all (`FILE`) is refused here; a malformed number (`=2x`, `=-1`) is kept as
/// `invalid` and rejected by `PlayCommand.validate()` with a usage error.
struct IdleCap: ExpressibleByArgument, CustomStringConvertible {
    var micros: Int64
    /// The text given, when it looked like a time but is not one.
    var invalid: String?

    init(micros: Int64) { self.micros = micros }

    init?(argument: String) {
        if let micros = TimeFormat.parseMicros(argument) {
            self.micros = micros
        } else if let first = argument.unicodeScalars.first, "0123456789.-+".unicodeScalars.contains(first) {
            self.micros = 0
            self.invalid = argument
        } else {
            return nil
        }
    }

    var description: String { PlayerStatus.secondsText(micros) }
}
