import Foundation
import PsrecFormat

/// A recording `prune` deleted, or would delete, or kept because of a legal hold.
public struct PruneCandidate: Sendable {
    public var recording: CatalogRecording
    /// Why it is due: the application's retention period or the age given.
    public var reason: String
}

/// What `prune` did.
public struct PruneReport: Sendable {
    /// Recordings deleted (or, in a dry run, that would be).
    public var deleted: [PruneCandidate]
    /// Recordings due but kept under legal hold.
    public var held: [PruneCandidate]
    /// Catalog file size before and after (equal in a dry run).
    public var bytesBefore: Int64
    public var bytesAfter: Int64
}

extension Catalog {
    /// Deletes recordings older than their application's retention period, or than
    /// `olderThanMicros` when given, with their content, indicators and text, except those
    /// under legal hold; then gives the freed pages back to the file system
    /// (`PRAGMA incremental_vacuum`, or `VACUUM` for a catalog made without auto_vacuum).
    ///
    /// Each deletion is its own transaction and is recorded in the audit log. The hold is
    /// read again inside that transaction, so a hold placed after the recordings were listed
    /// (by another process, while a long prune runs) still keeps the recording.
    /// Retention runs in one process at a time, whichever machine runs it: a prune holds the
    /// catalog's retention lease (`Catalog+Leases`) while it deletes, renewed at each
    /// deletion; another one meanwhile fails with `.leaseHeld` and deletes nothing. A dry
    /// run deletes nothing and takes no lease.
    /// - Parameter willDelete: called before each deletion's transaction (not in a dry run).
    public func prune(olderThanMicros: Int64?, nowMicros: Int64, dryRun: Bool, by principal: Principal,
                      willDelete: (PruneCandidate) -> Void = { _ in }) throws(CatalogError) -> PruneReport {
        let day: Int64 = 86_400_000_000
        let rows = try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT \(CatalogRecording.columns), a.retention_days FROM recordings r
                LEFT JOIN applications a ON a.name = r.application
                WHERE \(olderThanMicros == nil ? "a.retention_days IS NOT NULL AND r.start_us < :now - a.retention_days * :day" : "r.start_us < :now - :age")
                ORDER BY r.start_us
                """, arguments: olderThanMicros.map { ["age": $0, "now": nowMicros] } ?? ["now": nowMicros, "day": day])
        }
        var report = PruneReport(deleted: [], held: [], bytesBefore: try fileBytes(), bytesAfter: 0)
        let lease = CatalogLease(owner: "prune on \(Self.processIdentity)", server: Self.processIdentity, seconds: 300)
        func renew() throws(CatalogError) {
            try write { db in try Self.claim(db, CatalogLease.retention, lease, supersedingOwnServer: false, what: "Retention") }
        }
        if !dryRun { try renew() }
        defer { if !dryRun { try? releaseLeases(owner: lease.owner) } }
        for row in rows {
            let recording = CatalogRecording(row: row)
            let reason: String
            if let age = olderThanMicros {
                reason = "started more than \(CatalogTime.period(age)) ago"
            } else {
                let days: Int = row["retention_days"]
                reason = "older than the \(days)-day retention period of application \(recording.application ?? "")"
            }
            let candidate = PruneCandidate(recording: recording, reason: reason)
            if recording.legalHold {
                report.held.append(candidate)
                continue
            }
            if dryRun {
                report.deleted.append(candidate)
                continue
            }
            willDelete(candidate)
            try renew()
            switch try deleteUnlessHeld(recording, reason: "retention: \(reason)", by: principal) {
            case .deleted: report.deleted.append(candidate)
            case .held: report.held.append(candidate)
            case .gone: break
            }
        }
        if !dryRun && !report.deleted.isEmpty { try reclaimSpace() }
        report.bytesAfter = try fileBytes()
        return report
    }

    /// Deletes one recording with everything stored for it, and records the deletion.
    ///
    /// The legal hold is checked in the deletion's own transaction, not in `recording` (which
    /// may have been read before a hold was placed).
    /// - Throws: `.legalHold` when the recording is under legal hold (nothing is deleted);
    ///   `.notFound` when it was deleted meanwhile.
    public func delete(_ recording: CatalogRecording, reason: String, by principal: Principal) throws(CatalogError) {
        switch try deleteUnlessHeld(recording, reason: reason, by: principal) {
        case .deleted:
            return
        case .held:
            throw CatalogError(.legalHold, "Recording \(recording.uuid) is under legal hold and was not deleted.")
        case .gone:
            throw CatalogError(.notFound, "Recording \(recording.uuid) is no longer in the catalog \(path); it was deleted meanwhile.")
        }
    }

    private enum Deletion { case deleted, held, gone }

    /// The deletion, in one immediate transaction that first reads the hold: no other
    /// connection can place a hold between the check and the delete.
    private func deleteUnlessHeld(_ recording: CatalogRecording, reason: String, by principal: Principal) throws(CatalogError) -> Deletion {
        try write { db -> Deletion in
            guard let held = try Bool.fetchOne(db, sql: "SELECT legal_hold FROM recordings WHERE id = ? AND uuid = ?",
                                               arguments: [recording.rowID, recording.uuid]) else { return .gone }
            if held { return .held }
            try Self.deleteText(db, recording: recording.rowID)
            try db.execute(sql: "DELETE FROM recordings WHERE id = ?", arguments: [recording.rowID])
            try Self.audit(db, actor: principal.auditName, action: "delete", recording: recording.uuid,
                           detail: "\(reason); user \(recording.user ?? "-"), application \(recording.application ?? "-"), started \(CatalogTime.iso(recording.startMicros)), \(recording.fileBytes) bytes")
            return .deleted
        }
    }

    /// Removes a recording's terminal text and its entries in the full-text index.
    static func deleteText(_ db: any SQLConnection, recording rowID: Int64) throws {
        try textIndexDelete(db, recording: rowID)
        try db.execute(sql: "DELETE FROM terminal_text WHERE recording_id = ?", arguments: [rowID])
    }

    /// Sets or clears a recording's legal hold, which exempts it from `prune`.
    public func setLegalHold(_ hold: Bool, on recording: CatalogRecording, reason: String?, by principal: Principal) throws(CatalogError) {
        try write { db in
            try db.execute(sql: "UPDATE recordings SET legal_hold = ? WHERE id = ?", arguments: [hold, recording.rowID])
            try Self.audit(db, actor: principal.auditName, action: hold ? "hold" : "release", recording: recording.uuid, detail: reason)
        }
    }
}
