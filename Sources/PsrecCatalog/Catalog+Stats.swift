
/// Storage used by a group of recordings (one application or one user).
public struct UsageRow: Sendable, Equatable {
    /// The application or user (nil: none recorded).
    public var name: String?
    public var recordings: Int
    public var durationMicros: Int64
    /// Bytes of recording content (the files as imported).
    public var contentBytes: Int64
    /// Bytes of terminal text kept for full-text search (the FTS index adds to this).
    public var textBytes: Int64
    public var indicators: Int
}

/// What `stats` shows.
public struct CatalogUsage: Sendable {
    public var byApplication: [UsageRow]
    public var byUser: [UsageRow]
    /// Pages in use times page size.
    public var fileBytes: Int64
    /// Bytes in free pages (given back by `prune`).
    public var freeBytes: Int64
    /// Bytes per table and index, from SQLite's dbstat table when available.
    public var tables: [(name: String, bytes: Int64)]
    /// Recordings whose terminal text is not indexed yet (imported with `deferText`).
    public var textPendingRecordings: Int
}

extension Catalog {
    /// Disk usage per application and per user, for the recordings `principal` may see.
    public func usage(as principal: Principal) throws(CatalogError) -> CatalogUsage {
        try read { db in
            var arguments: SQLArguments = [:]
            var filter = ""
            if let user = principal.user {
                filter = "WHERE " + Self.visibleToUser
                arguments = ["as": user]
            }
            func group(_ column: String) throws -> [UsageRow] {
                try SQLRow.fetchAll(db, sql: """
                    SELECT r.\(column) AS name, count(*) AS n, sum(r.duration_us) AS duration, sum(r.file_size) AS content,
                           sum(r.text_bytes) AS text, sum(r.indicator_count) AS indicators
                    FROM recordings r \(filter) GROUP BY r.\(column) ORDER BY content DESC, name
                    """, arguments: arguments).map {
                    UsageRow(name: $0["name"], recordings: $0["n"], durationMicros: $0["duration"], contentBytes: $0["content"],
                             textBytes: $0["text"], indicators: $0["indicators"])
                }
            }
            let sizes = try Self.sizes(db, tables: principal.user == nil)
            let pending = try Int.fetchOne(db, sql: "SELECT count(*) FROM recordings r WHERE r.text_pending = 1" + (filter.isEmpty ? "" : " AND " + Self.visibleToUser),
                                           arguments: arguments) ?? 0
            return CatalogUsage(byApplication: try group("application"), byUser: try group("user"),
                                fileBytes: sizes.used, freeBytes: sizes.free, tables: sizes.tables, textPendingRecordings: pending)
        }
    }
}
