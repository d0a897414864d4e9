import Foundation
import PsrecFormat

extension Catalog {
    /// SQL that is true when the recording aliased `r` is visible to the user bound as `:as`:
    /// they own it, are assigned to audit it or its application, or manage its application.
    static let visibleToUser = """
        (r.owner = :as
         OR EXISTS (SELECT 1 FROM recording_auditors ra WHERE ra.recording_id = r.id AND ra.user = :as)
         OR EXISTS (SELECT 1 FROM app_rights ar WHERE ar.application = r.application AND ar.user = :as))
        """

    /// Appends one row to the audit log.
    static func audit(_ db: any SQLConnection, actor: String, action: String, recording: String?, detail: String?) throws {
        try db.execute(sql: "INSERT INTO audit_log (time_us, actor, action, recording_uuid, detail) VALUES (?, ?, ?, ?, ?)",
                       arguments: [nowMicros, actor, action, recording, detail])
    }

    /// Appends one row to the audit log in its own transaction.
    public func audit(_ principal: Principal, action: String, recording: String? = nil, detail: String? = nil) throws(CatalogError) {
        try write { db in try Self.audit(db, actor: principal.auditName, action: action, recording: recording, detail: detail) }
    }

    /// The recording whose UUID is `id` or starts with it (at least 4 hex digits; hyphens
    /// optional, any case).
    /// - Throws: `.notFound`, `.ambiguous`, `.invalidRecordingID`.
    public func recording(_ id: String) throws(CatalogError) -> CatalogRecording {
        let wanted = try Self.idPrefix(id)
        let rows = try read { db in
            try SQLRow.fetchAll(db, sql: "SELECT \(CatalogRecording.columns) FROM recordings r WHERE replace(r.uuid, '-', '') LIKE ? || '%' LIMIT 2", arguments: [wanted])
        }
        guard let first = rows.first else { throw notFound(id) }
        if rows.count > 1 { throw ambiguous(id) }
        return CatalogRecording(row: first)
    }

    /// The recording whose UUID is `id` or starts with it, among those `principal` may see.
    ///
    /// For a named user, recordings they may not see do not exist: a prefix matching only
    /// such recordings fails exactly as a prefix matching nothing (same error, same text,
    /// no ID, no application), and several matches count only the visible ones, so that
    /// prefix look-ups cannot tell which recordings exist. Every look-up that finds nothing
    /// the user may see is recorded in the audit log as a refusal, with what it matched.
    /// An administrator sees every recording.
    /// - Throws: `.notFound`, `.ambiguous`, `.invalidRecordingID`.
    public func recording(_ id: String, as principal: Principal) throws(CatalogError) -> CatalogRecording {
        guard let user = principal.user else { return try recording(id) }
        let wanted = try Self.idPrefix(id)
        let (visible, hidden) = try read { db in
            let arguments: SQLArguments = ["prefix": wanted, "as": user]
            let match = "replace(r.uuid, '-', '') LIKE :prefix || '%'"
            let visible = try SQLRow.fetchAll(db, sql: "SELECT \(CatalogRecording.columns) FROM recordings r WHERE \(match) AND \(Self.visibleToUser) LIMIT 2",
                                           arguments: arguments)
            let hidden = try String.fetchAll(db, sql: "SELECT r.uuid FROM recordings r WHERE \(match) AND NOT \(Self.visibleToUser) ORDER BY r.uuid LIMIT 3",
                                             arguments: arguments)
            return (visible, hidden)
        }
        if visible.count > 1 { throw ambiguous(id) }
        if let only = visible.first { return CatalogRecording(row: only) }
        let matched = switch hidden.count {
        case 0: "no recording"
        case 1: "recording \(hidden[0]), which the user may not see"
        default: "\(hidden.count > 2 ? "3 or more" : "2") recordings (\(hidden.prefix(2).joined(separator: ", "))\(hidden.count > 2 ? ", ..." : "")), none of which the user may see"
        }
        try audit(principal, action: "refused", recording: hidden.count == 1 ? hidden[0] : nil, detail: "look-up of ID \(id): matched \(matched)")
        throw notFound(id)
    }

    /// `id` as the hex digits an ID prefix is matched on.
    private static func idPrefix(_ id: String) throws(CatalogError) -> String {
        let wanted = id.lowercased().filter { $0 != "-" }
        guard wanted.count >= 4, wanted.allSatisfy(\.isHexDigit) else {
            throw CatalogError(.invalidRecordingID, "'\(id)' is not a recording ID; a recording is named by its UUID or the first 4 or more hex digits of it.")
        }
        return wanted
    }

    private func notFound(_ id: String) -> CatalogError {
        CatalogError(.notFound, "No recording in the catalog \(path) has an ID starting with \(id).")
    }

    private func ambiguous(_ id: String) -> CatalogError {
        CatalogError(.ambiguous, "More than one recording in the catalog has an ID starting with \(id); give more digits.")
    }

    /// Checks that `principal` may do `action` on `recording`; records a refusal in the audit
    /// log before throwing, and a view or export when allowed (`log`); `note` is added to
    /// either row (the web application names the page and the client's address).
    /// - Throws: `.refused` naming the user, the recording and what would allow it.
    public func authorize(_ action: AccessAction, _ recording: CatalogRecording, as principal: Principal, log: Bool = true, note: String? = nil) throws(CatalogError) {
        let allowed: Bool
        if let user = principal.user {
            allowed = try read { db in
                if action.needsManage {
                    return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM app_rights WHERE application = ? AND user = ? AND \"right\" = 'manage')",
                                             arguments: [recording.application, user]) ?? false
                }
                return try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM recordings r WHERE r.id = :id AND \(Self.visibleToUser))",
                                         arguments: ["id": recording.rowID, "as": user]) ?? false
            }
        } else {
            allowed = true
        }
        if allowed {
            if log && (action == .view || action == .export) {
                try audit(principal, action: action.rawValue, recording: recording.uuid, detail: note)
            }
            return
        }
        let user = principal.user ?? ""
        let app = recording.application.map { "application \($0)" } ?? "its application"
        try audit(principal, action: "refused", recording: recording.uuid, detail: "\(action.rawValue): no right" + (note.map { "; " + $0 } ?? ""))
        if action.needsManage {
            throw CatalogError(.refused, "\(user) may not \(action == .delete ? "delete" : "change the legal hold of") recording \(recording.uuid): only a manager of \(app) may; the refusal was recorded.")
        }
        throw CatalogError(.refused, "\(user) may not \(action == .export ? "export" : "see") recording \(recording.uuid): \(user) is neither its owner, an auditor assigned to it or to \(app), nor a manager of \(app); the refusal was recorded.")
    }

    /// The recording's stored content as a byte source for `RecordingReader` and `Validator`.
    public func content(of recording: CatalogRecording) throws(CatalogError) -> StoredRecordingSource {
        let size = try read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length(bytes)), 0) FROM chunks WHERE recording_id = ?", arguments: [recording.rowID]) ?? 0
        }
        return StoredRecordingSource(store: store, rowID: recording.rowID, recordingID: recording.uuid, size: size)
    }
}
