import PsrecFormat

extension Catalog {
    /// Recordings matching `query` that `principal` may see, newest first. The search is
    /// recorded in the audit log.
    ///
    /// A text search cannot find recordings whose text is still pending (imported with
    /// `deferText`); `textPendingCount(matching:as:)` says how many were left out.
    /// - Throws: `.unknownColumn` for a condition on a column the table lacks, `.emptyTextSearch`
    ///   for a text with no letter or digit.
    public func search(_ query: RecordingQuery, as principal: Principal) throws(CatalogError) -> [CatalogRecording] {
        let found = try matching(query, as: principal)
        try audit(principal, action: "search", detail: query.description)
        return found
    }

    /// What `search` finds, without its audit row (for `copy`, which records itself).
    func matching(_ query: RecordingQuery, as principal: Principal) throws(CatalogError) -> [CatalogRecording] {
        let (conditions, filterArguments) = try filters(query, as: principal)
        var arguments = filterArguments
        var select = "SELECT \(CatalogRecording.columns)"
        var from = "FROM recordings r"
        if let text = query.text {
            let words = Self.textQuery(dialect, text)
            guard !words.isEmpty else {
                throw CatalogError(.emptyTextSearch, "The text to search for needs at least one letter or digit.")
            }
            from += " JOIN (SELECT t.recording_id, min(t.time_us) AS match_us FROM \(Self.textMatch(dialect, parameter: ":text")) GROUP BY t.recording_id) m ON m.recording_id = r.id"
            select += ", m.match_us"
            arguments["text"] = words
        }
        var sql = "\(select) \(from)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        let direction = query.order.ascending ? "ASC" : "DESC"
        sql += query.order.column == .start ? " ORDER BY r.start_us \(direction), r.id \(direction)"
            : " ORDER BY \(query.order.column.sql) \(direction), r.start_us DESC, r.id DESC"
        if let limit = query.limit { sql += " LIMIT \(max(0, limit))" }
        if let offset = query.offset, offset > 0 { sql += (query.limit == nil ? " LIMIT -1" : "") + " OFFSET \(offset)" }
        let statementArguments = SQLArguments(arguments)
        return try read { db in try SQLRow.fetchAll(db, sql: sql, arguments: statementArguments).map(CatalogRecording.init(row:)) }
    }

    /// How many recordings match every filter of `query` but the text, may be seen by
    /// `principal`, and have their text still pending: those a text search did not search.
    /// - Throws: `.unknownColumn` as `search` does.
    public func textPendingCount(matching query: RecordingQuery, as principal: Principal) throws(CatalogError) -> Int {
        let (conditions, arguments) = try filters(query, as: principal)
        let sql = "SELECT count(*) FROM recordings r WHERE " + (conditions + ["r.text_pending = 1"]).joined(separator: " AND ")
        let statementArguments = SQLArguments(arguments)
        return try read { db in try Int.fetchOne(db, sql: sql, arguments: statementArguments) ?? 0 }
    }

    /// SQL conditions on the recordings aliased `r` for every filter of `query` but the
    /// text and the limit, and what `principal` may see, with their named arguments.
    private func filters(_ query: RecordingQuery, as principal: Principal) throws(CatalogError)
        -> ([String], [String: (any SQLValueConvertible)?]) {
        var conditions: [String] = []
        var arguments: [String: (any SQLValueConvertible)?] = [:]
        func equal(_ column: String, _ value: (any SQLValueConvertible)?, _ name: String) {
            guard let value else { return }
            conditions.append("r.\"\(column)\" = :\(name)")
            arguments[name] = value
        }
        equal("user", query.user, "user")
        equal("application", query.application, "application")
        equal("protocol", query.sessionProtocol, "protocol")
        equal("host", query.host, "host")
        if let status = query.status {
            conditions.append("\(RecordingState.column) = :status")
            arguments["status"] = status
        }
        if let from = query.fromMicros {
            conditions.append("r.start_us >= :from")
            arguments["from"] = from
        }
        if let to = query.toMicros {
            conditions.append("r.start_us < :to")
            arguments["to"] = to
        }
        if let minimum = query.minDurationMicros {
            conditions.append("r.duration_us >= :minDuration")
            arguments["minDuration"] = minimum
        }
        if let seal = query.seal {
            conditions.append("(\(SealState.sql)) = :seal")
            arguments["seal"] = seal.rawValue
        }
        if let kind = query.indicatorKind {
            conditions.append("EXISTS (SELECT 1 FROM indicators i WHERE i.recording_id = r.id AND i.kind = :kind)")
            arguments["kind"] = kind
        }
        if !query.columnEquals.isEmpty {
            let known = try recordingColumns()
            for (n, (column, value)) in query.columnEquals.enumerated() {
                guard known.contains(column) else {
                    throw CatalogError(.unknownColumn, "The recordings table has no column '\(column)'; its columns are \(known.joined(separator: ", ")).")
                }
                // As text: the value is typed as text, and PostgreSQL compares a number with a
                // number only.
                conditions.append("CAST(r.\"\(column)\" AS TEXT) = :where\(n)")
                arguments["where\(n)"] = value
            }
        }
        if let user = principal.user {
            conditions.append(Self.visibleToUser)
            arguments["as"] = user
        }
        return (conditions, arguments)
    }
}

extension RecordingQuery: CustomStringConvertible {
    /// The filters as a short text, for the audit log.
    public var description: String {
        var parts: [String] = []
        func add(_ name: String, _ value: String?) { if let value { parts.append("\(name)=\(value)") } }
        add("user", user)
        add("app", application)
        add("protocol", sessionProtocol?.rawValue)
        add("host", host)
        add("from_us", fromMicros.map(String.init))
        add("to_us", toMicros.map(String.init))
        add("status", status?.rawValue)
        add("min_duration_us", minDurationMicros.map(String.init))
        add("indicator", indicatorKind?.rawValue)
        add("seal", seal?.rawValue)
        add("text", text)
        if order != RecordingOrder() { add("sort", order.column.rawValue + (order.ascending ? "" : " desc")) }
        add("offset", offset.map(String.init))
        for (column, value) in columnEquals { parts.append("where \(column)=\(value)") }
        return parts.isEmpty ? "all" : parts.joined(separator: " ")
    }
}
