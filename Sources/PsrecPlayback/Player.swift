public import PsrecFormat

/// Plays a recording's terminal output at the recorded pace, under the viewer's commands.
///
/// The player owns no clock and no terminal: time and commands come from a `PlayerInput`,
/// drawing goes to a `PlayerOutput`, timing comes from a `PlaybackSchedule`. `psrec play`
/// drives it with a terminal (keys, the window title); tests drive it with a scripted input
/// whose clock moves only when the player waits; a web player can drive it with a browser.
///
/// Commands (`PlayerCommand`): pause and resume; step (while paused, up to the next event
/// that draws); jump to the next and previous indicator (the previous one is the last
/// indicator strictly before the playhead, so asking just after an indicator goes back to
/// it); double and halve the speed; quit.
///
/// Events recorded at one instant are shown together (`PlaybackChunk.step(from:)`), so
/// playback time follows the content, not the number of events. Memory is the decoded
/// chunks held (the one played and a small cache), never a copy per event. Jumps use the
/// seek and indicator index; how much they read is described in `Player+Seeking.swift`.
public final class Player {
    /// How a playback ended.
    public enum Outcome: Equatable, Sendable {
        /// Every event was shown.
        case finished
        /// The viewer quit.
        case quit
    }

    /// The recording played.
    public let reader: RecordingReader
    /// Clock and commands.
    public let input: any PlayerInput
    /// Where output and the status go.
    public let output: any PlayerOutput
    /// Timing: speed and idle cap (the speed changes with `faster` and `slower`).
    public private(set) var schedule: PlaybackSchedule

    /// The next event to show.
    public internal(set) var cursor = PlaybackPosition(entry: 0, event: 0) {
        didSet {
            pending = nil
            currentCursor = nil
        }
    }
    /// Session time of the last event shown, or of the last jump target.
    public internal(set) var playheadMicros: Int64 = 0
    /// True while paused.
    public private(set) var isPaused = false
    /// Chunks that could not be played (each makes the recording "corrupt"), in the order met.
    public internal(set) var problems: [PlaybackProblem] = []
    /// The status last published.
    public internal(set) var lastStatus: PlayerStatus?

    /// The latest full-screen clear met in each chunk, in order (see `Player+Seeking.swift`).
    var clearPoints: [PlaybackPosition] = []
    var chunkCache: [Int: CachedChunk] = [:]
    /// Chunks that could not be played, reported once in `problems`.
    var unplayableEntries: Set<Int> = []
    var cacheClock = 0
    /// The chunk at the cursor, held apart from the cache (it may be too large to cache).
    var current: (entry: Int, chunk: PlaybackChunk)?
    /// Where the cursor is inside `current`, when known.
    var currentCursor: ChunkCursor?
    /// The step at the cursor, once looked at.
    var pending: PlaybackStep?
    var recordedSize: (cols: Int, rows: Int)?
    var sizeMismatch: PlayerStatus.SizeMismatch?
    var sizeHintUntilWall: Int64 = 0

    // Timing state: the current gap started at `gapStartWall` (wall) after the event at
    // `gapStartMicros` (session); `pausedCapped` is how much of it was played before a pause.
    var gapStartWall: Int64 = 0
    var gapStartMicros: Int64 = 0
    var pausedCapped: Int64 = 0
    var lastStatusWall: Int64 = .min
    var commandsOpen = true

    /// How often the status is refreshed while playing, in wall microseconds.
    public static let statusIntervalMicros: Int64 = 500_000
    /// How long a size mismatch stays in the status, in wall microseconds.
    public static let hintMicros: Int64 = 5_000_000

    /// Creates a player at the start of the recording.
    /// - Parameters:
    ///   - reader: the recording, from a file or any `ByteSource`.
    ///   - schedule: speed and idle cap.
    ///   - input: clock and commands.
    ///   - output: where output and the status go.
    public init(reader: RecordingReader, schedule: PlaybackSchedule, input: any PlayerInput, output: any PlayerOutput) {
        self.reader = reader
        self.schedule = schedule
        self.input = input
        self.output = output
    }

    /// Plays from `fromMicros` (the screen as it was then is rebuilt first) until the last
    /// event or until the viewer quits.
    @discardableResult
    public func run(fromMicros: Int64 = 0) -> Outcome {
        if fromMicros > 0 { seek(toMicros: fromMicros) }
        restartGap()
        publishStatus(force: true)
        while true {
            if isPaused {
                switch input.wait(until: nil) {
                case .command(let command):
                    if handle(command) == .quit { return .quit }
                case .closed:
                    // No command can resume a paused player any more: play on rather than hang.
                    commandsOpen = false
                    setPaused(false)
                case .deadline:
                    break
                }
                continue
            }
            guard let next = peek() else { break }
            let deadline = gapStartWall + schedule.wallMicros(forCapped: schedule.cappedGap(next.timeMicros - gapStartMicros))
            let now = input.nowMicros()
            if deadline > now {
                let wake = output.isTerminal ? min(deadline, now + Self.statusIntervalMicros) : deadline
                switch input.wait(until: wake) {
                case .command(let command):
                    if handle(command) == .quit { return .quit }
                    continue
                case .closed:
                    commandsOpen = false
                    continue
                case .deadline:
                    if input.nowMicros() < deadline {
                        publishStatus(force: false)
                        continue
                    }
                }
            }
            showDue(from: next, dueWall: deadline)
        }
        publishStatus(force: true, ended: true)
        return .finished
    }

    /// Most steps shown together when they are all due (events closer together than the
    /// speed can tell apart); the status is refreshed between groups.
    static let stepsPerWrite = 4096

    /// Shows `first`, due at `dueWall`, and the steps after it that are due by now, in one
    /// write: at 1024 times the speed, events a microsecond apart are due at one instant.
    private func showDue(from first: PlaybackStep, dueWall: Int64) {
        let now = input.nowMicros()
        var batch = OutputBatch()
        var step = first, due = dueWall
        for _ in 0..<Self.stepsPerWrite {
            show(step, into: &batch)
            advance()
            playheadMicros = step.timeMicros
            gapStartMicros = step.timeMicros
            gapStartWall = due
            guard let following = peek() else { break }
            let followingDue = due + schedule.wallMicros(forCapped: schedule.cappedGap(following.timeMicros - step.timeMicros))
            guard followingDue <= now else { break }
            step = following
            due = followingDue
        }
        batch.flush(to: output)
        // Keep to the schedule, but do not rush to catch up after a stall (a slow terminal).
        let after = input.nowMicros()
        gapStartWall = after - due > 250_000 ? after : due
        publishStatus(force: false)
    }

    /// What `handle(_:)` did.
    public enum CommandResult: Equatable, Sendable {
        /// The command was carried out; playback goes on.
        case handled
        /// The viewer quit.
        case quit
    }

    /// Carries out one command at the current wall time.
    @discardableResult
    public func handle(_ command: PlayerCommand) -> CommandResult {
        switch command {
        case .quit:
            return .quit
        case .pauseResume:
            setPaused(!isPaused)
        case .step:
            if isPaused { step() }
        case .nextIndicator:
            if let i = nextIndicatorIndex() { jump(to: reader.indicators[i]) }
        case .previousIndicator:
            if let i = previousIndicatorIndex() { jump(to: reader.indicators[i]) }
        case .faster, .slower:
            let progress = isPaused ? pausedCapped : schedule.cappedMicros(forWall: max(0, input.nowMicros() - gapStartWall))
            schedule.speed = command == .faster ? schedule.faster() : schedule.slower()
            if !isPaused { gapStartWall = input.nowMicros() - schedule.wallMicros(forCapped: progress) }
        }
        publishStatus(force: true)
        return .handled
    }

    func setPaused(_ paused: Bool) {
        guard paused != isPaused else { return }
        let now = input.nowMicros()
        if paused {
            pausedCapped = schedule.cappedMicros(forWall: max(0, now - gapStartWall))
        } else {
            gapStartWall = now - schedule.wallMicros(forCapped: pausedCapped)
        }
        isPaused = paused
    }

    /// Shows events up to and including the next step that draws output.
    func step() {
        var batch = OutputBatch()
        while let next = peek() {
            show(next, into: &batch)
            advance()
            playheadMicros = next.timeMicros
            if next.drawsOutput { break }
        }
        batch.flush(to: output)
        restartGap()
    }

    /// Starts timing afresh at the playhead (after a jump or a step).
    func restartGap() {
        gapStartMicros = playheadMicros
        gapStartWall = input.nowMicros()
        pausedCapped = 0
    }

    /// Shows one step of the chunk at the cursor (the one `peek()` returned): its output to
    /// `batch`, screen clears and recorded sizes noted.
    func show(_ step: PlaybackStep, into batch: inout OutputBatch) {
        guard let (entry, chunk) = current else { return }
        chunk.forEachEvent(from: step.start, to: step.end.event) { index, event in
            see(event, at: PlaybackPosition(entry: entry, event: index), into: &batch)
        }
    }

    /// What showing one event does, except timing: output to `batch`, clears and sizes noted.
    func see(_ event: RawEvent, at position: PlaybackPosition, into batch: inout OutputBatch) {
        switch event.type {
        case .output:
            if Self.clearsScreen(event.body) { noteClear(at: position) }
            batch.add(event.body, to: output)
        case .resize:
            // The chunk was checked whole, so its resizes decode.
            if case .resize(let cols, let rows)? = try? event.decoded() { noteRecordedSize(cols: cols, rows: rows) }
        default:
            break
        }
    }

    func noteRecordedSize(cols: Int, rows: Int) {
        recordedSize = (cols, rows)
        guard sizeMismatch == nil, output.isTerminal, let size = output.size, size.cols != cols || size.rows != rows else { return }
        sizeMismatch = PlayerStatus.SizeMismatch(recordedColumns: cols, recordedRows: rows, viewerColumns: size.cols, viewerRows: size.rows)
        sizeHintUntilWall = input.nowMicros() + Self.hintMicros
        lastStatusWall = .min
    }
}
