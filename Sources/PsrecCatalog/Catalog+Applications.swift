public import PsrecFormat

extension Catalog {
    /// Adds an application.
    /// - Throws: `.applicationExists` when it exists already, `.unknownProtocol` for a protocol
    ///   other than ssh and rdp.
    public func addApplication(_ name: String, sessionProtocol: RecordingMetadata.SessionProtocol, recordingEnabled: Bool, retentionDays: Int?, by principal: Principal) throws(CatalogError) {
        guard Application.knownProtocols.contains(sessionProtocol) else {
            throw CatalogError(.unknownProtocol, "The session protocol '\(sessionProtocol.rawValue)' is not one the catalog defines (\(Application.knownProtocols.map(\.rawValue).joined(separator: " or "))).")
        }
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM applications WHERE name = ?)", arguments: [name]) == true {
                throw CatalogError(.applicationExists, "The application \(name) is already in the catalog.")
            }
            try db.execute(sql: "INSERT INTO applications (name, protocol, recording_enabled, retention_days, created_us) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, sessionProtocol, recordingEnabled, retentionDays, Self.nowMicros])
            try Self.audit(db, actor: principal.auditName, action: "app", recording: nil,
                           detail: "add \(name) (\(sessionProtocol.rawValue), recording \(recordingEnabled ? "enabled" : "disabled"), retention \(retentionDays.map { "\($0) days" } ?? "none"))")
        }
    }

    /// Switches recording on or off for an application.
    public func setRecording(_ enabled: Bool, application name: String, by principal: Principal) throws(CatalogError) {
        try updateApplication(name, sql: "recording_enabled = ?", value: enabled, detail: "\(enabled ? "enable" : "disable") \(name)", by: principal)
    }

    /// Sets an application's retention period (nil: keep recordings forever).
    public func setRetention(days: Int?, application name: String, by principal: Principal) throws(CatalogError) {
        try updateApplication(name, sql: "retention_days = ?", value: days, detail: "set-retention \(name) \(days.map { "\($0) days" } ?? "none")", by: principal)
    }

    /// Sets how strictly an application's recordings must reach the server.
    /// - Throws: `.applicationNotFound`.
    public func setIngestPolicy(_ policy: IngestPolicy, application name: String, by principal: Principal) throws(CatalogError) {
        try updateApplication(name, sql: "ingest_policy = ?", value: policy, detail: "set-ingest-policy \(name) \(policy.rawValue)", by: principal)
    }

    private func updateApplication(_ name: String, sql: String, value: (any SQLValueConvertible)?, detail: String, by principal: Principal) throws(CatalogError) {
        try write { db in
            try db.execute(sql: "UPDATE applications SET \(sql) WHERE name = ?", arguments: [value, name])
            guard db.changesCount == 1 else {
                throw CatalogError(.applicationNotFound, "The application \(name) is not in the catalog.")
            }
            try Self.audit(db, actor: principal.auditName, action: "app", recording: nil, detail: detail)
        }
    }

    /// The application named `name`, or nil.
    public func application(_ name: String) throws(CatalogError) -> Application? {
        try applications().first { $0.name == name }
    }

    /// Every application, by name.
    public func applications() throws(CatalogError) -> [Application] {
        try read { db in
            let rights = try SQLRow.fetchAll(db, sql: "SELECT application, user, \"right\" FROM app_rights ORDER BY user")
            return try SQLRow.fetchAll(db, sql: "SELECT name, protocol, recording_enabled, retention_days, ingest_policy FROM applications ORDER BY name").map { row in
                let name: String = row["name"]
                let mine = rights.filter { $0["application"] == name }
                return Application(name: name, sessionProtocol: row["protocol"], recordingEnabled: row["recording_enabled"],
                                   retentionDays: row["retention_days"],
                                   managers: mine.filter { ($0["right"] as Right) == .manage }.map { $0["user"] },
                                   auditors: mine.filter { ($0["right"] as Right) == .audit }.map { $0["user"] },
                                   ingestPolicy: row["ingest_policy"])
            }
        }
    }
}
