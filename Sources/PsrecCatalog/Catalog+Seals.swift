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
    /// other than the recording's, an unreadable seal, or seals promised and missing.
    case failed
    /// Not checked yet (stored before the catalog checked seals, or still streaming).
    case unchecked

    /// The state of recording row `r`, in SQL both engines run.
    static let sql = """
        CASE WHEN r.seal_status IS NULL THEN 'unchecked' \
        WHEN r.seal_status = 'unsealed' THEN 'unsealed' \
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

    /// Checks a stored recording's chain and seals again from its stored content (`verify
    /// --db`), and stores what they show when it differs from what was stored.
    /// - Returns: the report (seals checked against the catalog's trusted keys when any
    ///   holds the recording's, else against the key each seal carries), the state now, and
    ///   whether the stored verdict changed.
    public func recheckSeals(_ recording: CatalogRecording, by principal: Principal) throws(CatalogError)
        -> (report: SealReport, state: SealState, changed: Bool) {
        let report = SealVerifier.verify(try content(of: recording))
        let status = report.status.rawValue
        let changed = try write { db in
            let stored = try SQLRow.fetchOne(db, sql: "SELECT seal_status, sealed_us FROM recordings WHERE id = ?", arguments: [recording.rowID])
            let same = (stored?["seal_status"] as String?) == status && (stored?["sealed_us"] as Int64?) == report.sealedMicros
            guard !same else { return false }
            try db.execute(sql: """
                UPDATE recordings SET seal_status = ?, seal_key_id = ?, seal_key_fingerprint = ?, sealed_us = ?, seal_unsealed_chunks = ?, seal_problem = ?
                WHERE id = ?
                """, arguments: [status, report.keyID, report.keyFingerprint, report.sealedMicros, Int64(report.unsealedEventChunks),
                                 report.problem?.message, recording.rowID])
            try Self.audit(db, actor: principal.auditName, action: "verify seals", recording: recording.uuid,
                           detail: "was \((stored?["seal_status"] as String?) ?? "unchecked"), now \(status)")
            return true
        }
        let state = try read { db in
            try String.fetchOne(db, sql: "SELECT \(SealState.sql) FROM recordings r WHERE r.id = ?", arguments: [recording.rowID])
        }.flatMap(SealState.init(rawValue:)) ?? .unchecked
        return (report, state, changed)
    }
}
