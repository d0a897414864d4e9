public import PsrecFormat

/// What the player reports about itself: where playback is, how fast, and what comes next.
///
/// Fields hold recorded text as it is (an indicator's detail may hold anything); whoever
/// shows the status makes it safe for its screen (the CLI escapes it for a window title).
public struct PlayerStatus: Equatable, Sendable {
    /// Whether the player is moving.
    public enum State: String, Equatable, Sendable {
        /// Events are shown at their times.
        case playing
        /// The playhead stays until the viewer resumes.
        case paused
        /// Every event was shown.
        case ended
    }

    /// A recorded terminal size that differs from the viewer's.
    public struct SizeMismatch: Equatable, Sendable {
        /// The size the recording was made at.
        public var recordedColumns: Int, recordedRows: Int
        /// The viewer's size.
        public var viewerColumns: Int, viewerRows: Int

        /// A mismatch between a recorded size and the viewer's.
        public init(recordedColumns: Int, recordedRows: Int, viewerColumns: Int, viewerRows: Int) {
            self.recordedColumns = recordedColumns
            self.recordedRows = recordedRows
            self.viewerColumns = viewerColumns
            self.viewerRows = viewerRows
        }
    }

    /// Playing, paused or ended.
    public var state: State
    /// The session time shown: while playing, it moves on through a gap between events.
    public var timeMicros: Int64
    /// The recording's duration.
    public var durationMicros: Int64
    /// Current speed (2 plays twice as fast as recorded).
    public var speed: Double
    /// The idle cap, when inactivity is skipped.
    public var idleCapMicros: Int64?
    /// The first indicator after the playhead, if any.
    public var nextIndicator: Indicator?
    /// Set for a few seconds after the player met a recorded size other than the viewer's.
    public var sizeMismatch: SizeMismatch?

    /// A status as the player publishes it.
    public init(state: State, timeMicros: Int64, durationMicros: Int64, speed: Double, idleCapMicros: Int64?,
                nextIndicator: Indicator?, sizeMismatch: SizeMismatch?) {
        self.state = state
        self.timeMicros = timeMicros
        self.durationMicros = durationMicros
        self.speed = speed
        self.idleCapMicros = idleCapMicros
        self.nextIndicator = nextIndicator
        self.sizeMismatch = sizeMismatch
    }
}
