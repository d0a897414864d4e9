
/// A right a user can be granted.
public enum Right: String, Sendable, CaseIterable {
    /// Manage an application's recordings: see, export, delete, put on legal hold.
    case manage
    /// Audit: see and export an application's recordings, or one recording's.
    case audit
}

/// What a right is granted on.
public enum RightScope: Sendable {
    case application(String)
    case recording(CatalogRecording)
}

extension Catalog {
    /// Grants `right` to `user` on an application or one recording (audit only).
    /// - Throws: `.applicationNotFound` for an unknown application, `.managePerRecording` for manage on a recording.
    public func grant(_ right: Right, to user: String, on scope: RightScope, by principal: Principal) throws(CatalogError) {
        try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO users (name, created_us) VALUES (?, ?)", arguments: [user, Self.nowMicros])
            switch scope {
            case .application(let name):
                guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM applications WHERE name = ?)", arguments: [name]) == true else {
                    throw CatalogError(.applicationNotFound, "The application \(name) is not in the catalog.")
                }
                try db.execute(sql: "INSERT OR IGNORE INTO app_rights (application, user, \"right\", granted_us) VALUES (?, ?, ?, ?)",
                               arguments: [name, user, right, Self.nowMicros])
                try Self.audit(db, actor: principal.auditName, action: "grant", recording: nil, detail: "\(right.rawValue) on application \(name) to \(user)")
            case .recording(let recording):
                guard right == .audit else {
                    throw CatalogError(.managePerRecording, "The manage right is granted per application, not per recording.")
                }
                try db.execute(sql: "INSERT INTO recording_auditors (recording_id, user, source) VALUES (?, ?, 'grant') ON CONFLICT (recording_id, user) DO UPDATE SET source = excluded.source",
                               arguments: [recording.rowID, user])
                try Self.audit(db, actor: principal.auditName, action: "grant", recording: recording.uuid, detail: "audit to \(user)")
            }
        }
    }

    /// Takes a right back. Returns false when the user did not have it.
    @discardableResult
    public func revoke(_ right: Right, from user: String, on scope: RightScope, by principal: Principal) throws(CatalogError) -> Bool {
        try write { db in
            switch scope {
            case .application(let name):
                try db.execute(sql: "DELETE FROM app_rights WHERE application = ? AND user = ? AND \"right\" = ?", arguments: [name, user, right])
                guard db.changesCount > 0 else { return false }
                try Self.audit(db, actor: principal.auditName, action: "revoke", recording: nil, detail: "\(right.rawValue) on application \(name) from \(user)")
            case .recording(let recording):
                try db.execute(sql: "DELETE FROM recording_auditors WHERE recording_id = ? AND user = ?", arguments: [recording.rowID, user])
                guard db.changesCount > 0 else { return false }
                try Self.audit(db, actor: principal.auditName, action: "revoke", recording: recording.uuid, detail: "audit from \(user)")
            }
            return true
        }
    }
}
