public import PsrecFormat

/// Filters for `Catalog.search`, all combined with AND. Times are microseconds since 1970.
public struct RecordingQuery: Sendable {
    public var user: String?
    public var application: String?
    public var sessionProtocol: RecordingMetadata.SessionProtocol?
    public var host: String?
    /// Recordings that started at or after this time.
    public var fromMicros: Int64?
    /// Recordings that started before this time.
    public var toMicros: Int64?
    /// The status shown: complete or truncated (the verdict at import), or live or
    /// interrupted while a capture host streams the recording.
    public var status: RecordingState?
    public var minDurationMicros: Int64?
    /// Recordings with at least one indicator of this kind.
    public var indicatorKind: IndicatorKind?
    /// Full-text search over what was shown on the terminal (all words, in this order).
    public var text: String?
    /// `column = value` for any column of the `recordings` table.
    public var columnEquals: [(column: String, value: String)] = []
    /// At most this many, newest first.
    public var limit: Int?

    public init() {}
}
