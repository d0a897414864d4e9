/// Filters for `Catalog.search`, all combined with AND. Times are microseconds since 1970.
public struct RecordingQuery: Sendable {
    public var user: String?
    public var application: String?
    public var sessionProtocol: String?
    public var host: String?
    /// Recordings that started at or after this time.
    public var fromMicros: Int64?
    /// Recordings that started before this time.
    public var toMicros: Int64?
    /// `complete` or `truncated`.
    public var status: String?
    public var minDurationMicros: Int64?
    /// Recordings with at least one indicator of this kind (`marker`, `command`, `click`).
    public var indicatorKind: String?
    /// Full-text search over what was shown on the terminal (all words, in this order).
    public var text: String?
    /// `column = value` for any column of the `recordings` table.
    public var columnEquals: [(column: String, value: String)] = []
    /// At most this many, newest first.
    public var limit: Int?

    /// The indicator kinds the format defines.
    public static let indicatorKinds = ["marker", "command", "click"]

    public init() {}
}
