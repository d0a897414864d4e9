import Crypto
import Foundation
import PsrecFormat

/// What `Catalog.copy(to:actor:progress:)` did.
public struct CopyReport: Sendable, Equatable {
    /// Recordings stored at the destination by this run.
    public var copied = 0
    /// Recordings the destination already had with the same content (an earlier run).
    public var present = 0
    /// Recordings the destination holds with other content under the same ID: left alone.
    public var conflicts: [String] = []
    /// Audit rows appended to the destination by this run.
    public var auditRows = 0
}

extension Catalog {
    /// Copies everything of this catalog into `destination`, between any two engines:
    /// applications (recording switch, retention, ingest policy), users (with their web
    /// passwords), capture hosts (token digests, never tokens), every recording, its legal
    /// hold and the audit rights granted on it, the rights on applications, and the audit
    /// log, after which the destination's copy of each recording is checked against the
    /// source's SHA-256.
    ///
    /// Resumable: run again after an interruption, it skips what the destination has
    /// (recordings with the same ID, size and SHA-256; rows with the same key) and goes on
    /// with the audit log after the last row an earlier run copied, which the destination's
    /// `copy` audit rows record in the same transaction as the rows they count.
    ///
    /// Each recording goes through the destination's import (verified, its text and
    /// indicators derived there), from a temporary file in `workFolder`: memory is one
    /// chunk. Web sessions and the web player's keyframes are not copied: sessions are
    /// logins to one server, keyframes are rebuilt on first view.
    /// - Throws: `.database` when a copy does not match its source's SHA-256, or either
    ///   catalog fails.
    public func copy(to destination: Catalog, actor: String, workFolder: String,
                     progress: (CatalogRecording, Bool) -> Void = { _, _ in }) throws(CatalogError) -> CopyReport {
        var report = CopyReport()
        // Users first: the other tables refer to them.
        try copyRows([("users", ["name", "created_us", "password_bcrypt", "disabled_us", "web_admin"]),
                      ("applications", ["name", "protocol", "recording_enabled", "retention_days", "created_us", "ingest_policy"]),
                      ("capture_hosts", ["name", "authentication", "token_sha256", "created_us", "revoked_us"])], to: destination)
        var everything = RecordingQuery()
        everything.order = RecordingOrder(column: .start, ascending: true)
        let recordings = try matching(everything, as: .administrator(login: actor))
        for recording in recordings {
            let there = try? destination.recording(recording.uuid)
            if let there {
                if there.fileBytes == recording.fileBytes && there.sha256 == recording.sha256 {
                    report.present += 1
                    progress(recording, false)
                    try copyRecordingState(recording, to: destination)
                    continue
                }
                if there.fileBytes >= recording.fileBytes {
                    report.conflicts.append(recording.uuid)
                    continue
                }
            }
            let path = workFolder + "/psrec-copy-\(recording.uuid).psrec"
            defer { unlink(path) }
            do {
                let sink = try FileSink(path: path, overwrite: true)
                try export(recording, into: sink)
                try sink.close()
            } catch let error as CatalogError {
                throw error
            } catch {
                throw CatalogError(.database, "Recording \(recording.uuid) could not be written to \(path) for the copy: \(CatalogError.clause(String(describing: error))).")
            }
            let outcome = try destination.importRecording(path: path, actor: actor, deferText: recording.textPending)
            guard outcome.kind != .skipped else {
                if there != nil {
                    // The same ID with other content: the destination's is left as it is.
                    report.conflicts.append(recording.uuid)
                    continue
                }
                throw CatalogError(.database, "Recording \(recording.uuid) was not stored in \(destination.path): \(CatalogError.clause(outcome.reason ?? "no reason given")).")
            }
            let stored = try destination.recording(recording.uuid)
            let sourceDigest = recording.sha256.isEmpty ? try digest(of: recording) : recording.sha256
            let storedDigest = stored.sha256.isEmpty ? try destination.digest(of: stored) : stored.sha256
            guard stored.fileBytes == recording.fileBytes, storedDigest == sourceDigest else {
                throw CatalogError(.database, "The copy of recording \(recording.uuid) in \(destination.path) does not match its source (SHA-256 \(storedDigest) against \(sourceDigest)); the copy stopped there.")
            }
            try copyRecordingState(recording, to: destination)
            report.copied += 1
            progress(recording, true)
        }
        try copyRows([("app_rights", ["application", "user", "\"right\"", "granted_us"]),
                      ("trusted_keys", ["fingerprint", "key_id", "public_key", "added_us", "added_by"])], to: destination)
        report.auditRows = try copyAuditLog(to: destination, actor: actor)
        try destination.write { db in
            try Self.audit(db, actor: actor, action: "copy", recording: nil,
                           detail: "from \(path): \(report.copied) recordings copied, \(report.present) already there, \(report.conflicts.count) conflicts")
        }
        return report
    }

    /// SHA-256 of a stored recording's content, for one being streamed (which has none yet).
    func digest(of recording: CatalogRecording) throws(CatalogError) -> String {
        let sink = DigestSink()
        try export(recording, into: sink)
        return sink.hex
    }

    /// Rows of small tables the destination lacks (by primary key), column by column, table
    /// by table in the order given.
    private func copyRows(_ tables: [(table: String, columns: [String])], to destination: Catalog) throws(CatalogError) {
        for (table, columns) in tables {
            let list = columns.joined(separator: ", ")
            let rows = try read { db in try SQLRow.fetchAll(db, sql: "SELECT \(list) FROM \(table)") }
            try destination.write { db in
                let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO \(table) (\(list)) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))")
                for row in rows { try insert.execute(arguments: SQLArguments(row.values.map { $0 as SQLValue? })) }
            }
        }
    }

    /// The legal hold and the granted audit rights of one recording.
    private func copyRecordingState(_ recording: CatalogRecording, to destination: Catalog) throws(CatalogError) {
        let auditors = try read { db in
            try String.fetchAll(db, sql: "SELECT user FROM recording_auditors WHERE recording_id = ? AND source = 'grant'", arguments: [recording.rowID])
        }
        try destination.write { db in
            guard let rowID = try Int64.fetchOne(db, sql: "SELECT id FROM recordings WHERE uuid = ?", arguments: [recording.uuid]) else { return }
            try db.execute(sql: "UPDATE recordings SET legal_hold = ? WHERE id = ?", arguments: [recording.legalHold, rowID])
            for user in auditors {
                try db.execute(sql: "INSERT OR IGNORE INTO users (name, created_us) VALUES (?, ?)", arguments: [user, Self.nowMicros])
                try db.execute(sql: "INSERT INTO recording_auditors (recording_id, user, source) VALUES (?, ?, 'grant') ON CONFLICT (recording_id, user) DO UPDATE SET source = excluded.source",
                               arguments: [rowID, user])
            }
        }
    }

    /// Appends the source's audit rows after the last one an earlier copy took, 1,000 at a
    /// time, each batch with the `copy` row that records how far it went.
    private func copyAuditLog(to destination: Catalog, actor: String) throws(CatalogError) -> Int {
        let marker = "audit log of \(path) copied up to row "
        var last = try destination.read { db in
            try String.fetchOne(db, sql: "SELECT detail FROM audit_log WHERE action = 'copy' AND detail LIKE ? ORDER BY id DESC LIMIT 1",
                                arguments: [marker.replacingOccurrences(of: "%", with: "_") + "%"])
        }.flatMap { Int64($0.dropFirst(marker.count)) } ?? 0
        var copied = 0
        while true {
            let rows = try read { db in
                try SQLRow.fetchAll(db, sql: "SELECT id, time_us, actor, action, recording_uuid, detail FROM audit_log WHERE id > ? ORDER BY id LIMIT 1000", arguments: [last])
            }
            guard let end = rows.last?["id"] as Int64? else { return copied }
            try destination.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO audit_log (time_us, actor, action, recording_uuid, detail) VALUES (?, ?, ?, ?, ?)")
                for row in rows { try insert.execute(arguments: SQLArguments(row.values.dropFirst().map { $0 as SQLValue? })) }
                try Self.audit(db, actor: actor, action: "copy", recording: nil, detail: marker + String(end))
            }
            copied += rows.count
            last = end
        }
    }
}

/// A sink that only hashes what it is given.
private final class DigestSink: ChunkSink {
    private var hasher = SHA256()
    private(set) var length: Int64 = 0
    func append(_ bytes: [UInt8]) throws(FormatError) {
        hasher.update(data: bytes)
        length += Int64(bytes.count)
    }
    func sync() throws(FormatError) {}
    func close() throws(FormatError) {}
    var hex: String { hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}
