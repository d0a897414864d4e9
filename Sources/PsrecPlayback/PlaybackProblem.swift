/// A chunk the player could not play: it was skipped whole (a chunk is played whole or not
/// at all), and the recording counts as corrupt.
public struct PlaybackProblem: Equatable, Sendable, CustomStringConvertible {
    /// The chunk's sequence number.
    public var sequence: UInt32
    /// The chunk's offset in the file, in bytes.
    public var offsetBytes: Int64
    /// What is wrong with it, as the reader says (recorded text may appear in it unescaped).
    public var reason: String

    /// Creates a problem report.
    public init(sequence: UInt32, offsetBytes: Int64, reason: String) {
        self.sequence = sequence
        self.offsetBytes = offsetBytes
        self.reason = reason
    }

    /// One sentence without a full stop: `chunk 3 at byte 1234 cannot be played: …; it was skipped`.
    public var description: String {
        "chunk \(sequence) at byte \(offsetBytes) cannot be played: \(reason); it was skipped"
    }
}
