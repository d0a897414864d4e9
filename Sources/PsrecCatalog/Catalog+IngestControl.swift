public import Foundation
import GRDB
import PsrecFormat

/// What a capture host asks of the server besides storing chunks: whether to record, the end
/// of a file without a trailer, and the audit of refusals.
extension Catalog {
    /// Whether sessions of `application` are recorded, and whether its policy is strict (no
    /// server or no spool: the session is refused) rather than best-effort. An application
    /// the catalog does not know is recorded, best-effort.
    public func ingestPolicy(application: String) throws(CatalogError) -> (recording: Bool, strict: Bool) {
        guard let known = try self.application(application) else { return (true, false) }
        return (known.recordingEnabled, known.ingestPolicy == .strict)
    }

    /// A recording `host` streams ends at `offset` without a trailer (its recorder was
    /// killed, or its host rebooted): it is marked `interrupted` at once, and stays playable
    /// up to there. A later `beginIngest` from the same host resumes it.
    /// - Returns: its position.
    /// - Throws: `.notFound`; `.ingestNotYours`; `.ingestOutOfOrder` when `offset` is not
    ///   where it ends in the catalog, or it is complete; `.busy`, `.database`.
    public func endIngest(host: String, recordingID: UUID, offset: Int64) throws(CatalogError) -> IngestPosition {
        let uuid = recordingID.uuidString.lowercased()
        return try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, file_size, status, ingest_host, ingest_next_sequence FROM recordings WHERE uuid = ?", arguments: [uuid]) else {
                throw CatalogError(.notFound, "Recording \(uuid) is not in the catalog \(self.path).")
            }
            guard (row["ingest_host"] as String?) == host else {
                throw CatalogError(.ingestNotYours, "Capture host \(host) may not end recording \(uuid) in the catalog \(self.path): it does not stream it.")
            }
            let size: Int64 = row["file_size"]
            guard (row["status"] as String) != Verdict.Status.complete.rawValue else {
                throw CatalogError(.ingestComplete, "Recording \(uuid) is complete in the catalog \(self.path); it has its end already.")
            }
            guard offset == size else {
                throw CatalogError(.ingestOutOfOrder, "Recording \(uuid) ends at byte \(size) in the catalog \(self.path), not at byte \(offset); nothing was changed.")
            }
            try db.execute(sql: "UPDATE recordings SET ingest_state = 'interrupted', ingest_seen_us = ? WHERE id = ?", arguments: [Self.nowMicros, row["id"] as Int64])
            try Self.audit(db, actor: "host:" + host, action: "ingest", recording: uuid, detail: "ended without a trailer by capture host \(host) at byte \(size)")
            return IngestPosition(recordingID: recordingID, committedBytes: size,
                                  nextSequence: UInt32(truncatingIfNeeded: row["ingest_next_sequence"] as Int64? ?? 0), complete: false)
        }
    }

    /// Writes a refusal of the ingest server to the audit log: who (the capture host when
    /// authenticated, else the peer's address), the protocol's error code and its sentence.
    public func auditIngestRefusal(host: String?, peer: String, code: String, reason: String) throws(CatalogError) {
        try write { db in
            try Self.audit(db, actor: host.map { "host:" + $0 } ?? "peer:" + peer, action: "ingest refused",
                           recording: nil, detail: "\(code) from \(peer): \(reason)")
        }
    }
}
