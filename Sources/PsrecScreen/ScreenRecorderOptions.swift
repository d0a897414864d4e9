/// How a `ScreenRecorder` finds changes, when it writes keyframes and what it keeps of the keyboard.
public struct ScreenRecorderOptions: Sendable {
    /// Side of the square tiles frames are compared in (default 32 pixels).
    public var tileSize: Int = 32
    /// A keyframe is written at the first change once this much session time has passed since
    /// the last one (default 30 s). Identical frames never cause one.
    public var keyframeIntervalMicros: Int64 = 30_000_000
    /// A keyframe is also written once this many chunks have been written since the last one
    /// (default 90), so drawing any moment reads a bounded number of chunks even when only
    /// the pointer or keyboard is active.
    public var keyframeEveryChunks: Int = 90
    /// Record key events (`key`) and put the typed line in Enter's command indicator.
    /// Off by default: indicators then say that a command was entered, not what was typed.
    public var recordsKeys: Bool = false

    public init(recordsKeys: Bool = false) {
        self.recordsKeys = recordsKeys
    }
}
