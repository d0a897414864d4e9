public import PsrecFormat

/// What importing one file did.
public struct ImportOutcome: Sendable {
    /// The result for the file.
    public enum Kind: String, Sendable {
        /// A new recording.
        case added
        /// A longer copy of a truncated recording: its new chunks were appended.
        case extended
        /// The catalog already holds this file, or a longer copy of it.
        case unchanged
        /// Not imported; `reason` says why.
        case skipped
    }

    /// The result.
    public var kind: Kind
    /// The file's verdict (nil when it could not be opened).
    public var verdict: Verdict.Status?
    /// The recording's UUID, when its metadata was read.
    public var recordingID: String?
    /// Bytes of the file.
    public var fileBytes: Int64
    /// Why the file was skipped or left unchanged, as a sentence.
    public var reason: String?
}
