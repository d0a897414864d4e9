/// Why `PlayerInput.wait(until:)` returned.
public enum PlayerWake: Equatable, Sendable {
    /// The viewer asked for something (a key on a terminal, a button in a browser).
    case command(PlayerCommand)
    /// The deadline passed without a command.
    case deadline
    /// No more commands can come (input closed); returned at once from then on.
    case closed
}

/// What a viewer can ask the player to do while it plays.
public enum PlayerCommand: Equatable, Sendable {
    /// Pauses, or resumes when paused.
    case pauseResume
    /// While paused, shows the events up to and including the next one that draws output.
    case step
    /// Jumps to just after the first indicator after the playhead.
    case nextIndicator
    /// Jumps to just after the last indicator strictly before the playhead.
    case previousIndicator
    /// Doubles the speed, up to `PlaybackSchedule.maximumSpeed`.
    case faster
    /// Halves the speed, down to `PlaybackSchedule.minimumSpeed`.
    case slower
    /// Stops playback.
    case quit
}

/// The player's clock and the viewer's commands. The terminal implementation (in the CLI)
/// sleeps in `poll(2)` on stdin and reads keys; tests use a scripted one whose clock only
/// moves when the player waits, so every run is deterministic.
public protocol PlayerInput: AnyObject {
    /// Monotonic wall time in microseconds.
    func nowMicros() -> Int64
    /// Waits until `deadline` (a `nowMicros()` value) or the next command, whichever comes
    /// first; with a nil deadline waits for a command however long it takes.
    func wait(until deadline: Int64?) -> PlayerWake
}

/// Where the player draws.
public protocol PlayerOutput: AnyObject {
    /// True when the output is a terminal (or another live viewer): only then does the
    /// player ask for screen resets before a rebuild and publish its status.
    var isTerminal: Bool { get }
    /// The viewer's size in columns and rows, when known.
    var size: (cols: Int, rows: Int)? { get }
    /// Takes recorded output bytes, in order. `bytes` is valid only during the call: it is
    /// a slice of a decoded chunk, handed over without a copy.
    func write(_ bytes: UnsafeRawBufferPointer)
    /// Resets the screen before it is rebuilt from an earlier point.
    func resetScreen()
    /// Shows the status (time, speed, next indicator) outside the played screen.
    func showStatus(_ status: PlayerStatus)
}
