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
    /// Recordings in this seal state (`SealState`).
    public var seal: SealState?
    /// Full-text search over what was shown on the terminal (all words, in this order).
    public var text: String?
    /// `column = value` for any column of the `recordings` table.
    public var columnEquals: [(column: String, value: String)] = []
    /// At most this many, in `order`.
    public var limit: Int?
    /// Skip this many first (for paging).
    public var offset: Int?
    /// How the recordings are sorted; newest first unless told otherwise.
    public var order: RecordingOrder = .init()

    public init() {}
}

/// The order of search results: a column and a direction; ties are broken by start time,
/// then by row, so that pages never overlap.
public struct RecordingOrder: Sendable, Equatable {
    /// The columns results can be sorted on.
    public enum Column: String, Sendable, CaseIterable {
        case start, duration, user, application, host, `protocol`, status

        /// The SQL for this column of the recordings aliased `r`.
        var sql: String {
            switch self {
            case .start: "r.start_us"
            case .duration: "r.duration_us"
            case .user: "r.user"
            case .application: "r.application"
            case .host: "r.host"
            case .protocol: "r.protocol"
            case .status: RecordingState.column
            }
        }
    }

    public var column: Column
    public var ascending: Bool

    /// Newest first.
    public init(column: Column = .start, ascending: Bool = false) {
        self.column = column
        self.ascending = ascending
    }
}
