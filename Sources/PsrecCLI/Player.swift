import PsrecFormat

/// Plays a recording's terminal output at the recorded pace, under keyboard control.
///
/// The player owns no clock and no terminal: time and keys come from a `PlayerInput`,
/// drawing goes to a `PlayerOutput`, timing comes from a `PlaybackSchedule`. Tests drive
/// it with a scripted input whose clock moves only when the player waits.
///
/// Keys: space pauses and resumes; `.` while paused plays up to the next output event;
/// `]` and `[` jump to the next and previous indicator (the previous one is the last
/// indicator strictly before the playhead, so pressing `[` just after an indicator goes
/// back to it); `+` and `-` double and halve the speed; `q` quits.
///
/// Jumps use the seek and indicator index; how much they read is described in
/// `Player+Seeking.swift`.
final class Player {
    /// How a playback ended.
enum Outcome: Equatable, Sendable {
        /// Every event was shown.
        case finished
        /// The viewer quit.
        case quit
    }

    let reader: RecordingReader
    let input: any PlayerInput
    let output: any PlayerOutput
    /// Timing: speed and idle cap (changed by `+` and `-`).
private(set) var schedule: PlaybackSchedule

    /// The next event to show.
internal(set) var cursor = PlaybackPosition(entry: 0, event: 0)
    /// Session time of the last event shown, or of the last jump target.
internal(set) var playheadMicros: Int64 = 0
    /// True while paused.
private(set) var isPaused = false
    /// Problems met reading chunks during playback (each makes the recording "damaged").
internal(set) var damage: [String] = []
    /// The status text last shown.
internal(set) var lastStatus: String?

    /// Positions of output events that clear the whole screen, in order (see
    /// `Player+Seeking.swift`).
    var clearPoints: [PlaybackPosition] = []
    var chunkCache: [Int: CachedChunk] = [:]
    var cacheClock = 0
    var recordedSize: (cols: Int, rows: Int)?
    var sizeHint: String?
    var sizeHintUntilWall: Int64 = 0

    // Timing state: the current gap started at `gapStartWall` (wall) after the event at
    // `gapStartMicros` (session); `pausedCapped` is how much of it was played before a pause.
    var gapStartWall: Int64 = 0
    var gapStartMicros: Int64 = 0
    var pausedCapped: Int64 = 0
    var lastStatusWall: Int64 = .min
    var keysOpen = true

    /// How often the status is refreshed while playing, in wall microseconds.
    static let statusIntervalMicros: Int64 = 500_000
    /// How long the resize hint stays in the status.
    static let hintMicros: Int64 = 5_000_000

    /// - Parameters:
    ///   - reader: the recording, from a file or any `ByteSource`.
    ///   - schedule: speed and idle cap.
    ///   - input: clock and keys.
    ///   - output: where output and the status go.
init(reader: RecordingReader, schedule: PlaybackSchedule, input: any PlayerInput, output: any PlayerOutput) {
        self.reader = reader
        self.schedule = schedule
        self.input = input
        self.output = output
    }

    /// Plays from `fromMicros` (the screen as it was then is rebuilt first) until the last
    /// event or until the viewer quits.
func run(fromMicros: Int64 = 0) -> Outcome {
        if fromMicros > 0 { seek(toMicros: fromMicros) }
        restartGap()
        publishStatus(force: true)
        while true {
            if isPaused {
                switch input.wait(until: nil) {
                case .key(let byte):
                    if handle(byte) == .quit { return .quit }
                case .closed:
                    // No key can resume a paused player any more: play on rather than hang.
                    keysOpen = false
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
                case .key(let byte):
                    if handle(byte) == .quit { return .quit }
                    continue
                case .closed:
                    keysOpen = false
                    continue
                case .deadline:
                    if input.nowMicros() < deadline {
                        publishStatus(force: false)
                        continue
                    }
                }
            }
            show(next)
            advance()
            playheadMicros = next.timeMicros
            gapStartMicros = next.timeMicros
            // Keep to the schedule, but do not rush to catch up after a stall (a slow terminal).
            let after = input.nowMicros()
            gapStartWall = after - deadline > 250_000 ? after : deadline
            publishStatus(force: false)
        }
        publishStatus(force: true, ended: true)
        return .finished
    }

    enum KeyResult { case handled, quit }

    /// Acts on one key byte.
    func handle(_ byte: UInt8) -> KeyResult {
        guard let key = PlayerKey(byte) else { return .handled }
        switch key {
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
            schedule.speed = key == .faster ? schedule.faster() : schedule.slower()
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

    /// Shows events up to and including the next output event.
    func step() {
        while let next = peek() {
            show(next)
            advance()
            playheadMicros = next.timeMicros
            if case .output = next.kind { break }
        }
        restartGap()
    }

    /// Starts timing afresh at the playhead (after a jump or a step).
    func restartGap() {
        gapStartMicros = playheadMicros
        gapStartWall = input.nowMicros()
        pausedCapped = 0
    }

    /// Shows one event: writes output, notes screen clears and recorded sizes.
    func show(_ event: PlaybackEvent) {
        switch event.kind {
        case .output(let bytes):
            if Self.clearsScreen(bytes) { noteClear(at: cursor) }
            output.write(bytes)
        case .resize(let cols, let rows):
            noteRecordedSize(cols: cols, rows: rows)
        case .indicator, .other:
            break
        }
    }

    func noteRecordedSize(cols: Int, rows: Int) {
        recordedSize = (cols, rows)
        guard sizeHint == nil, output.isTerminal, let size = output.size, size.cols != cols || size.rows != rows else { return }
        sizeHint = "recorded at \(cols)x\(rows), this terminal is \(size.cols)x\(size.rows)"
        sizeHintUntilWall = input.nowMicros() + Self.hintMicros
        lastStatusWall = .min
    }
}
