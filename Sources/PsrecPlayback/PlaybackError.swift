/// Why playback or a video export failed. Equality compares the code only.
public struct PlaybackError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The recording has no screen to draw (a terminal recording, or a screen recording
        /// without a keyframe or a screen size).
        case nothingToDraw
        /// The video encoder (ffmpeg) cannot be started.
        case videoEncoderUnavailable
        /// The video encoder stopped with an error or stopped reading frames.
        case videoEncoderFailed
    }

    /// What kind of failure this is.
    public let code: Code
    /// What happened, as a sentence without a full stop (file names unescaped).
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func == (a: Self, b: Self) -> Bool { a.code == b.code }
}
