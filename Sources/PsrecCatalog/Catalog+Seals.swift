import Foundation
public import PsrecFormat

/// Whether a stored recording is sealed (format 1.2, `Spec/format.md#seals`), as the catalog
/// says it now: what its chain and seals showed when stored, and whether the catalog trusts
/// the key that made them.
public enum SealState: String, CaseIterable, Sendable, Codable {
    /// Its seals hold, made with a key the catalog trusts (`psrec key trust`).
    case sealed
    /// Its seals hold, made with a key the catalog does not trust.
    case untrusted
    /// No seal, and none promised (1.0 and 1.1 files; 1.2 files written without a key).
    case unsealed
    /// A seal failed: a chunk changed after a seal, a seal that does not belong there, a key
    /// other than the recording's, an unreadable seal, seals promised and missing, or a
    /// complete recording with events after its last seal (a recorder seals at the end:
    /// what follows was added).
    case failed
    /// Not checked yet (stored before the catalog checked seals, or still streaming).
    case unchecked

    /// The state of recording row `r`, in SQL both engines run.
    static let sql = """
        CASE WHEN r.seal_status IS NULL THEN 'unchecked' \
        WHEN r.seal_status = 'unsealed' THEN 'unsealed' \
        WHEN r.seal_status IN ('unverified', 'sealed', 'untrusted') AND r.status = 'complete' AND coalesce(r.seal_unsealed_chunks, 0) > 0 THEN 'failed' \
        WHEN r.seal_status IN ('unverified', 'sealed', 'untrusted') THEN \
        CASE WHEN EXISTS (SELECT 1 FROM trusted_keys k WHERE k.fingerprint = r.seal_key_fingerprint) THEN 'sealed' ELSE 'untrusted' END \
        ELSE 'failed' END
        """
}

/// A public key the catalog trusts for seals.
public struct TrustedKey: Sendable, Equatable {
    public var fingerprint: String
    public var keyID: String
    public var addedMicros: Int64
    public var addedBy: String
}

extension Catalog {
    /// Trusts `key` for seals: recordings whose seals hold with it are `sealed` from now on,
    /// those stored before included. Recorded in the audit log.
    /// - Returns: false when the key was trusted already.
    @discardableResult
    public func trustKey(_ key: SealPublicKey, by principal: Principal) throws(CatalogError) -> Bool {
        try Self.requireAdministrator(principal, "trust a sealing key")
        return try write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO trusted_keys (fingerprint, key_id, public_key, added_us, added_by) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key.fingerprint, key.id, Data(key.raw), Self.nowMicros, principal.auditName])
            guard db.changesCount == 1 else { return false }
            try Self.audit(db, actor: principal.auditName, action: "trust key", recording: nil, detail: "\(key.id) (\(key.shortFingerprint))")
            return true
        }
    }

    /// Stops trusting the key with `fingerprint` (its 64 hex digits, or the short
    /// `sha256:` form of 16). Recorded in the audit log.
    /// - Throws: `.notFound` when no trusted key has that fingerprint.
    public func distrustKey(fingerprint: String, by principal: Principal) throws(CatalogError) {
        try Self.requireAdministrator(principal, "stop trusting a sealing key")
        let wanted = fingerprint.lowercased().hasPrefix("sha256:") ? String(fingerprint.lowercased().dropFirst(7)) : fingerprint.lowercased()
        try write { db in
            let matching = try SQLRow.fetchAll(db, sql: "SELECT fingerprint, key_id FROM trusted_keys")
                .filter { ($0["fingerprint"] as String).hasPrefix(wanted) && wanted.count >= 16 }
            guard matching.count == 1, let row = matching.first else {
                throw CatalogError(matching.isEmpty ? .notFound : .ambiguous,
                                   matching.isEmpty ? "No trusted key has the fingerprint \(fingerprint) (give its 64 hex digits, or sha256: and the first 16)."
                                                    : "\(matching.count) trusted keys begin with \(fingerprint); give more of the fingerprint.")
            }
            let full: String = row["fingerprint"]
            try db.execute(sql: "DELETE FROM trusted_keys WHERE fingerprint = ?", arguments: [full])
            try Self.audit(db, actor: principal.auditName, action: "distrust key", recording: nil, detail: "\(row["key_id"] as String) (\(SealPublicKey.short(full)))")
        }
    }

    static func requireAdministrator(_ principal: Principal, _ what: String) throws(CatalogError) {
        guard principal.user == nil else {
            throw CatalogError(.refused, "Only a catalog administrator may \(what); \(principal.auditName) is a user.")
        }
    }

    /// The trusted keys, by name.
    public func trustedKeys() throws(CatalogError) -> [TrustedKey] {
        try read { db in
            try SQLRow.fetchAll(db, sql: "SELECT fingerprint, key_id, added_us, added_by FROM trusted_keys ORDER BY key_id, fingerprint").map {
                TrustedKey(fingerprint: $0["fingerprint"], keyID: $0["key_id"], addedMicros: $0["added_us"], addedBy: $0["added_by"])
            }
        }
    }

    /// The state of a recording whose seals `report` describes (with no trust store: the
    /// signatures checked against the key each seal carries), as `SealState.sql` says it of
    /// a stored verdict.
    static func sealState(_ report: SealReport, complete: Bool, trusted: Set<String>) -> SealState {
        switch report.status {
        case .unsealed: return .unsealed
        case .unverified, .sealed, .untrusted:
            if complete && report.unsealedEventChunks > 0 { return .failed }
            return report.keyFingerprint.map(trusted.contains) == true ? .sealed : .untrusted
        case .notSealed, .foreignKey, .misplaced, .altered, .malformed: return .failed
        }
    }

    /// Stores what `report` shows as recording `rowID`'s seal verdict; with `ifSize`, only
    /// while the recording is that size and not streamed.
    /// - Returns: whether the row was changed.
    static func storeSealVerdict(_ db: any SQLConnection, _ report: SealReport, rowID: Int64, ifSize size: Int64? = nil) throws -> Bool {
        var arguments: SQLArguments = [report.status.rawValue, report.keyID, report.keyFingerprint, report.sealedMicros,
                                       Int64(report.unsealedEventChunks), report.problem?.message, rowID]
        if let size { arguments += [size] }
        try db.execute(sql: """
            UPDATE recordings SET seal_status = ?, seal_key_id = ?, seal_key_fingerprint = ?, sealed_us = ?, seal_unsealed_chunks = ?, seal_problem = ?
            WHERE id = ?\(size == nil ? "" : " AND file_size = ? AND ingest_state IS NULL")
            """, arguments: arguments)
        return db.changesCount == 1
    }

    /// Checks a stored recording's chain and seals again from its stored content (`verify
    /// --db`): the state is decided from what the check shows now (the key that made the
    /// seals against the trusted keys), never from the stored verdict, which is rewritten
    /// where it differs. A recording still streamed is checked but not rewritten (its
    /// verdict is made when it completes), nor is one whose content grew meanwhile.
    /// - Returns: the report, the state, and whether the stored verdict changed.
    public func recheckSeals(_ recording: CatalogRecording, by principal: Principal) throws(CatalogError)
        -> (report: SealReport, state: SealState, changed: Bool) {
        let source = try content(of: recording)
        let report = SealVerifier.verify(source)
        let status = report.status.rawValue
        let unsealed = Int64(report.unsealedEventChunks)
        let (stored, trusted) = try read { db in
            (try SQLRow.fetchOne(db, sql: """
                SELECT seal_status, seal_key_id, seal_key_fingerprint, sealed_us, seal_unsealed_chunks, seal_problem, file_size, ingest_state
                FROM recordings WHERE id = ?
                """, arguments: [recording.rowID]),
             Set(try String.fetchAll(db, sql: "SELECT fingerprint FROM trusted_keys")))
        }
        let state = Self.sealState(report, complete: recording.status == .complete, trusted: trusted)
        guard let stored, (stored["ingest_state"] as String?) == nil, (stored["file_size"] as Int64) == source.size else {
            return (report, state, false)
        }
        let same = (stored["seal_status"] as String?) == status && (stored["seal_key_id"] as String?) == report.keyID
            && (stored["seal_key_fingerprint"] as String?) == report.keyFingerprint && (stored["sealed_us"] as Int64?) == report.sealedMicros
            && (stored["seal_unsealed_chunks"] as Int64?) == unsealed && (stored["seal_problem"] as String?) == report.problem?.message
        guard !same else { return (report, state, false) }
        let changed = try write { db in
            guard try Self.storeSealVerdict(db, report, rowID: recording.rowID, ifSize: source.size) else { return false }
            try Self.audit(db, actor: principal.auditName, action: "verify seals", recording: recording.uuid,
                           detail: "was \((stored["seal_status"] as String?) ?? "unchecked"), now \(status)")
            return true
        }
        return (report, state, changed)
    }
}
