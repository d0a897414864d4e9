/// An auditor's verdict on one file (`Spec/format.md#verdicts`).
public struct Verdict: Sendable {
    /// The four statuses, with the same words in text and JSON.
    public enum Status: String, Sendable, Comparable, CaseIterable {
        /// Trailer present, every chunk valid.
        case complete
        /// No trailer; every chunk up to the cut valid.
        case truncated
        /// A chunk or structure fails its checks.
        case corrupt
        /// Not a psrec file, or unreadable.
        case invalid

        var rank: Int {
            switch self {
            case .complete: 0
            case .truncated: 1
            case .corrupt: 2
            case .invalid: 3
            }
        }

        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }

        /// The exit status `psrec verify` uses: 0, 1, 2, 3.
        public var exitStatus: Int32 { Int32(rank) }
    }

    /// One failed check.
    public struct Problem: Sendable, Equatable {
        /// What failed (a `FormatError.Code` name such as `badPayloadChecksum`).
        public var kind: String
        /// A sentence for people.
        public var message: String
        /// File offset where it was found.
        public var offset: Int64?
        /// Sequence number of the chunk concerned.
        public var sequence: UInt32?
        /// Bytes skipped because of it (from `offset` to this end), when any.
        public var skippedToOffset: Int64?
        /// Session time range lost, when known.
        public var lostMicros: ClosedRange<Int64>?
    }

    /// The status.
    public var status: Status
    /// Everything that failed, in file order.
    public var problems: [Problem]
    /// File size in bytes.
    public var fileBytes: Int64
    /// Session time the file plays to.
    public var playableMicros: Int64
    /// End of the last complete, valid chunk (truncated files).
    public var lastGoodOffset: Int64?
    /// Chunks checked.
    public var chunks: Int
    /// Events decoded.
    public var events: Int
    /// Indicators found in the events.
    public var indicators: Int
    /// Recording UUID, when the metadata is readable.
    public var recordingID: String?
}
