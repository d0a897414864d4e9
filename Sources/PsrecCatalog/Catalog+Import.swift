import Crypto
import Foundation
import PsrecFormat

extension Catalog {
    /// Imports one psrec file: its metadata, indicators, terminal text and content.
    ///
    /// With `deferText` the terminal text is neither stored nor indexed: the recording is
    /// marked `text_pending` until `indexText(of:actor:)` builds it from the stored content.
    /// Extracting and indexing the text is most of an import's cost; deferring it suits bulk
    /// loads, at the price of `search --text` not finding the recording meanwhile.
    ///
    /// Complete and truncated files are imported; corrupt and invalid ones are skipped (the
    /// outcome says why). Importing a file already in the catalog changes nothing; importing
    /// a longer copy of a truncated recording (same UUID, the same first chunks) appends the
    /// new chunks. Everything for one file is one transaction: a crash or an error leaves
    /// the catalog without any of it.
    ///
    /// Memory is bounded by one chunk and the file's index: content is streamed chunk by
    /// chunk into one reused prepared statement.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - actor: who imports, for the audit log.
    ///   - deferText: store everything but the terminal text, and mark the text pending.
    /// - Throws: `CatalogError.database` when SQLite fails; file problems are outcomes.
    public func importRecording(path: String, actor: String, deferText: Bool = false) throws(CatalogError) -> ImportOutcome {
        try store(Self.verifyForImport(path: path, deferText: deferText), actor: actor)
    }

    /// The first half of `importRecording`: opens and verifies the file and reads what
    /// storing it needs, without the catalog, so that a caller can verify the next file on
    /// another thread while `store(_:actor:)` stores this one.
    public static func verifyForImport(path: String, deferText: Bool = false) -> VerifiedImport {
        let source: FileSource
        do {
            // FileSource's open(2) would block on a FIFO named *.psrec and read a device
            // forever: the name is checked to be a regular file first.
            try RegularFile.check(path)
            source = try FileSource(path: path)
        } catch {
            return VerifiedImport(.skipped(ImportOutcome(kind: .skipped, verdict: .invalid, recordingID: nil, fileBytes: 0, reason: "\(CatalogError.clause(error.message)).")))
        }
        let verdict = Validator.verify(source)
        switch verdict.status {
        case .invalid:
            return VerifiedImport(.skipped(ImportOutcome(kind: .skipped, verdict: .invalid, recordingID: verdict.recordingID, fileBytes: source.size,
                                                         reason: "\(path) is invalid: \(CatalogError.clause(verdict.problems.first?.message ?? "unreadable")).")))
        case .corrupt:
            let first = verdict.problems.first
            let at = first?.offset.map { " at byte \($0)" } ?? ""
            return VerifiedImport(.skipped(ImportOutcome(kind: .skipped, verdict: .corrupt, recordingID: verdict.recordingID, fileBytes: source.size,
                                                         reason: "\(path) is corrupt (\(verdict.problems.count) problem\(verdict.problems.count == 1 ? "" : "s"), the first\(at): \(CatalogError.clause(first?.message ?? "a chunk fails its checks"))).")))
        case .complete, .truncated:
            break
        }
        do {
            return VerifiedImport(.ready(try PreparedImport(source: source, status: verdict.status, path: path, sourcePath: path, deferText: deferText,
                                                            checkSeals: .onStoredCopy)))
        } catch {
            return VerifiedImport(.skipped(ImportOutcome(kind: .skipped, verdict: .invalid, recordingID: verdict.recordingID, fileBytes: source.size, reason: error.message)))
        }
    }

    /// The second half of `importRecording`: stores a file `verifyForImport` found
    /// importable, in one transaction, or returns why it was skipped.
    /// - Throws: `CatalogError.database` when SQLite fails; file problems are outcomes.
    public func store(_ verified: VerifiedImport, actor: String) throws(CatalogError) -> ImportOutcome {
        let prepared: PreparedImport
        switch verified.state {
        case .skipped(let outcome): return outcome
        case .ready(let ready): prepared = ready
        }
        do {
            return try store.write { db in try prepared.store(db, actor: actor) }
        } catch let error as CatalogError where error.code == .unimportable || error.code == .conflict {
            return ImportOutcome(kind: .skipped, verdict: prepared.status, recordingID: prepared.uuid, fileBytes: prepared.source.size, reason: error.message)
        } catch {
            throw Self.wrap(error, path: self.path)
        }
    }
}

/// A file `Catalog.verifyForImport` opened and verified: ready to be stored, or skipped
/// with the reason. It may be handed from the thread that verified it to the one that
/// stores it (not used by both at once).
public struct VerifiedImport: @unchecked Sendable {
    enum State {
        case ready(PreparedImport)
        case skipped(ImportOutcome)
    }
    let state: State

    init(_ state: State) { self.state = state }
}

/// A validated file, read and ready to be stored in one transaction; also what a streamed
/// recording is stored and settled with (`Catalog+Ingest.swift`), so that both make the
/// same rows from the same bytes.
struct PreparedImport {
    let source: any ByteSource
    let reader: RecordingReader
    let metadata: RecordingMetadata
    let layout: FileLayout
    let status: Verdict.Status
    /// The file, or what names the bytes, for messages.
    let path: String
    /// What `recordings.source_path` records: the file, or nil for a streamed recording.
    let sourcePath: String?
    /// Store no terminal text; mark it pending.
    let deferText: Bool
    /// What the hash chain and the seals show (`SealVerifier`, against the key each seal
    /// carries; whether the catalog trusts it is decided when asked); nil when not checked
    /// (the head of a streamed recording), or to be checked on the stored copy.
    let seal: SealReport?
    /// Check the seals on the catalog's copy once stored (`settleSeals`), not on the file:
    /// a file changed between the check and the copy must not be stored as sealed.
    let sealsFromStoredCopy: Bool

    /// When and on what a recording's seals are checked.
    enum SealCheck {
        /// Not at all (the head of a streamed recording: its verdict comes when it completes).
        case no
        /// On `source` (the catalog's own chunks).
        case onSource
        /// On the stored copy, in the transaction that stores it (a file being imported).
        case onStoredCopy
    }
    var uuid: String { metadata.recordingID.uuidString.lowercased() }

    init(source: any ByteSource, verdict: Verdict, path: String, sourcePath: String? = nil, deferText: Bool) throws(CatalogError) {
        try self.init(source: source, status: verdict.status, path: path, sourcePath: sourcePath, deferText: deferText)
    }

    /// - Parameters:
    ///   - status: the validator's status for `source`, complete or truncated.
    ///   - checkSeals: when the chain and seals are checked (a pass over the content for a
    ///     1.2 file or one whose metadata names a sealing key; nothing to do for older files).
    init(source: any ByteSource, status: Verdict.Status, path: String, sourcePath: String?, deferText: Bool, checkSeals: SealCheck = .onSource) throws(CatalogError) {
        self.source = source
        self.path = path
        self.sourcePath = sourcePath
        self.deferText = deferText
        self.status = status
        do {
            reader = try RecordingReader(source: source)
        } catch {
            throw CatalogError(.unimportable, "\(path) cannot be read: \(CatalogError.clause(error.description)).")
        }
        guard let metadata = reader.metadata else {
            throw CatalogError(.unimportable, "\(path) ends before its metadata is complete; there is nothing to import.")
        }
        // The protocol goes into the applications table and onto auditors' screens; the
        // Spec lets a reader reject values it does not define.
        guard Application.knownProtocols.contains(metadata.sessionProtocol) else {
            throw CatalogError(.unimportable, "\(path) gives its session protocol as '\(metadata.sessionProtocol.rawValue)', which the catalog does not accept (only \(Application.knownProtocols.map(\.rawValue).joined(separator: " and ")) are defined); it was not imported.")
        }
        self.metadata = metadata
        let sealable = metadata.sealKeyFingerprint != nil || reader.header.minor >= 2
        switch checkSeals {
        case .no:
            seal = nil
            sealsFromStoredCopy = false
        case _ where !sealable:
            // A 1.0 or 1.1 file without a sealing key cannot hold a seal.
            seal = .unsealed(eventsEndMicros: reader.durationMicros)
            sealsFromStoredCopy = false
        case .onSource:
            seal = SealVerifier.verify(source)
            sealsFromStoredCopy = false
        case .onStoredCopy:
            seal = nil
            sealsFromStoredCopy = true
        }
        let size = source.size
        let chunksEnd = status == .complete ? size - Int64(Trailer.size) : (reader.truncation?.lastGoodOffset ?? size)
        layout = try FileLayout(source: source, chunksEnd: chunksEnd, hasTrailer: status == .complete, name: path)
    }

    /// SHA-256 of the whole file, read in 1 MiB blocks.
    static func digest(_ source: any ByteSource, name: String) throws(CatalogError) -> String {
        var hasher = SHA256()
        var offset: Int64 = 0
        while offset < source.size {
            let block: [UInt8]
            do {
                block = try source.read(at: offset, count: 1 << 20)
            } catch {
                throw CatalogError(.unimportable, "\(name) cannot be read: \(CatalogError.clause(error.description)).")
            }
            if block.isEmpty { break }
            hasher.update(data: block)
            offset += Int64(block.count)
        }
        return hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// Decides between adding, extending and leaving alone, and writes.
    func store(_ db: any SQLConnection, actor: String) throws -> ImportOutcome {
        let now = Catalog.nowMicros
        func outcome(_ kind: ImportOutcome.Kind, _ reason: String? = nil) -> ImportOutcome {
            ImportOutcome(kind: kind, verdict: status, recordingID: uuid, fileBytes: source.size, reason: reason)
        }
        guard let existing = try SQLRow.fetchOne(db, sql: "SELECT id, sha256, status, ingest_host, ingest_state FROM recordings WHERE uuid = ?", arguments: [uuid]) else {
            // A new recording: the file is hashed (on another thread) from the same reads that
            // store its segments, and the digest is filled in before the transaction commits.
            let rowID = try insertRecording(db, now: now)
            let digest = BackgroundDigest()
            try insertSegments(db, rowID: rowID, from: 0, digest: digest)
            try db.execute(sql: "UPDATE recordings SET sha256 = ? WHERE id = ?", arguments: [digest.finalize(), rowID])
            try settleSeals(db, rowID: rowID)
            let limits = try insertDerived(db, rowID: rowID)
            try Catalog.audit(db, actor: actor, action: "import", recording: uuid,
                              detail: "added from \(path)" + (deferText ? " (terminal text pending)" : "") + limits)
            return outcome(.added)
        }
        if let host: String = existing["ingest_host"], (existing["ingest_state"] as String?) != nil {
            // A file must not overtake the stream: the host's next chunk would no longer fit.
            throw CatalogError(.conflict, "\(path) has recording ID \(uuid), which capture host \(host) is streaming into the catalog; it was not imported.")
        }
        let rowID: Int64 = existing["id"]
        let sha256 = try Self.digest(source, name: path)
        if existing["sha256"] == sha256 { return outcome(.unchanged, "\(path) is already in the catalog.") }
        let stored = try SQLRow.fetchAll(db, sql: "SELECT file_offset, kind, length(bytes) AS length FROM chunks WHERE recording_id = ? ORDER BY file_offset", arguments: [rowID])
            .map { FileLayout.Segment(offset: $0["file_offset"], length: $0["length"], kind: FileLayout.Segment.Kind(rawValue: $0["kind"]) ?? .tail) }
        let storedSettled = stored.prefix { $0.kind != .tail }
        if try samePrefix(db, rowID: rowID, count: storedSettled.count, stored: stored) {
            // The catalog holds a truncated prefix of this file: append what follows.
            guard layout.settled.count > storedSettled.count else {
                return outcome(.unchanged, "\(path) holds no chunk beyond what the catalog already has of recording \(uuid).")
            }
            try db.execute(sql: "DELETE FROM chunks WHERE recording_id = ? AND file_offset >= ?", arguments: [rowID, storedSettled.last?.end ?? 0])
            try insertSegments(db, rowID: rowID, from: storedSettled.count, digest: nil)
            try db.execute(sql: "DELETE FROM indicators WHERE recording_id = ?", arguments: [rowID])
            try Catalog.deleteText(db, recording: rowID)
            try updateRecording(db, rowID: rowID, sha256: sha256)
            try settleSeals(db, rowID: rowID)
            let limits = try insertDerived(db, rowID: rowID)
            try Catalog.audit(db, actor: actor, action: "import", recording: uuid,
                              detail: "extended from \(path) to \(source.size) bytes (\(status.rawValue))" + (deferText ? ", terminal text pending" : "") + limits)
            return outcome(.extended)
        }
        if try samePrefix(db, rowID: rowID, count: layout.settled.count, stored: stored) {
            return outcome(.unchanged, "\(path) is a shorter copy of recording \(uuid), which the catalog already holds in full.")
        }
        throw CatalogError(.conflict, "\(path) has recording ID \(uuid), which the catalog already holds with different content; it was not imported.")
    }

    /// Checks the chain and seals on the catalog's copy of the recording, just stored in this
    /// transaction, and stores what they show (when `sealsFromStoredCopy`).
    private func settleSeals(_ db: any SQLConnection, rowID: Int64) throws {
        guard sealsFromStoredCopy else { return }
        let report = SealVerifier.verify(StoredRecordingSource(connection: db, rowID: rowID, recordingID: uuid, size: source.size))
        _ = try Catalog.storeSealVerdict(db, report, rowID: rowID)
    }

    /// True when the first `count` segments of the catalog's rows (`stored`) and of this
    /// file are the same: same offsets, lengths, kinds and bytes.
    private func samePrefix(_ db: any SQLConnection, rowID: Int64, count: Int, stored: [FileLayout.Segment]) throws -> Bool {
        let theirs = layout.segments
        guard count <= stored.count, count <= theirs.count else { return false }
        for i in 0..<count where stored[i] != FileLayout.Segment(offset: theirs[i].offset, length: theirs[i].length, kind: theirs[i].kind) {
            return false
        }
        let select = try db.cachedStatement(sql: "SELECT bytes FROM chunks WHERE recording_id = ? AND file_offset = ?")
        for segment in stored.prefix(count) {
            guard let bytes = try Data.fetchOne(select, arguments: [rowID, segment.offset]) else { return false }
            if [UInt8](bytes) != (try readSegment(segment)) { return false }
        }
        return true
    }

    /// The `recordings` columns that come from the file. `sha256` is nil for a new
    /// recording, whose digest is computed while its content is stored.
    private func columnValues(sha256: String?) -> [String: (any SQLValueConvertible)?] {
        let m = metadata
        return [
            "protocol": m.sessionProtocol, "user": m.user, "application": m.application, "host": m.host,
            "remote_address": m.remoteAddress, "command": m.command, "title": m.title, "owner": m.owner ?? m.user,
            "start_us": m.startUnixMicros, "end_us": m.startUnixMicros + reader.durationMicros, "duration_us": reader.durationMicros,
            "status": status, "file_size": source.size, "sha256": sha256 ?? "", "chunk_count": layout.segments.count { $0.kind == .chunk },
            "event_count": reader.entries.reduce(0) { $0 + $1.eventCount }, "indicator_count": reader.indicators.count,
            "metadata_json": String(decoding: (try? m.encodedJSON()) ?? [], as: UTF8.self), "source_path": sourcePath,
            "seal_status": seal?.status.rawValue, "seal_key_id": seal?.keyID, "seal_key_fingerprint": seal?.keyFingerprint,
            "sealed_us": seal?.sealedMicros, "seal_unsealed_chunks": seal.map { Int64($0.unsealedEventChunks) }, "seal_problem": seal?.problem?.message,
        ]
    }

    /// Inserts the recording's row (with its application, users and auditors) and all its
    /// segments, without a digest or anything derived: the start of a streamed recording.
    /// - Returns: the new row's ID.
    func insertContent(_ db: any SQLConnection) throws -> Int64 {
        let rowID = try insertRecording(db, now: Catalog.nowMicros)
        try insertSegments(db, rowID: rowID, from: 0, digest: nil)
        return rowID
    }

    /// Rewrites the recording's row from these bytes, which the catalog already stores as
    /// `rowID`'s chunks, and replaces what derives from them (indicators, terminal text),
    /// exactly as importing a longer copy does.
    /// - Returns: what the audit row should add when a limit was reached, else "".
    func settle(_ db: any SQLConnection, rowID: Int64, sha256: String) throws -> String {
        try db.execute(sql: "DELETE FROM indicators WHERE recording_id = ?", arguments: [rowID])
        try Catalog.deleteText(db, recording: rowID)
        try updateRecording(db, rowID: rowID, sha256: sha256)
        return try insertDerived(db, rowID: rowID)
    }

    private func insertRecording(_ db: any SQLConnection, now: Int64) throws -> Int64 {
        var values = columnValues(sha256: nil)
        values["uuid"] = uuid
        values["imported_us"] = now
        values["text_bytes"] = 0
        values["text_pending"] = deferText
        let names = values.keys.sorted()
        let rowID = try Int64.fetchOne(db, sql: "INSERT INTO recordings (\(names.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", "))) RETURNING id",
                                       arguments: SQLArguments(names.map { values[$0]! }))!
        let now = Catalog.nowMicros
        if let application = metadata.application {
            try db.execute(sql: "INSERT OR IGNORE INTO applications (name, protocol, created_us) VALUES (?, ?, ?)", arguments: [application, metadata.sessionProtocol.rawValue, now])
        }
        for user in Set([metadata.user, metadata.owner].compactMap { $0 } + metadata.auditors) {
            try db.execute(sql: "INSERT OR IGNORE INTO users (name, created_us) VALUES (?, ?)", arguments: [user, now])
        }
        for auditor in Set(metadata.auditors) {
            try db.execute(sql: "INSERT OR IGNORE INTO recording_auditors (recording_id, user, source) VALUES (?, ?, 'metadata')", arguments: [rowID, auditor])
        }
        return rowID
    }

    private func updateRecording(_ db: any SQLConnection, rowID: Int64, sha256: String) throws {
        let values = columnValues(sha256: sha256)
        let names = values.keys.sorted()
        var arguments = SQLArguments(names.map { values[$0]! })
        arguments += [rowID]
        try db.execute(sql: "UPDATE recordings SET \(names.map { "\"\($0)\" = ?" }.joined(separator: ", ")) WHERE id = ?", arguments: arguments)
    }

    /// Streams segments `from...` into `chunks`, feeding each to `digest` (when given) as it
    /// is stored, then checks that the rows add up to the file's size.
    private func insertSegments(_ db: any SQLConnection, rowID: Int64, from first: Int, digest: BackgroundDigest?) throws {
        let insert = try db.cachedStatement(sql: "INSERT INTO chunks (recording_id, file_offset, kind, sequence, bytes) VALUES (?, ?, ?, ?, ?)")
        for segment in layout.segments[first...] {
            let bytes = try readSegment(segment)
            digest?.update(bytes)
            try insert.execute(arguments: [rowID, segment.offset, segment.kind.rawValue, segment.sequence.map { Int64($0) }, Data(bytes)])
        }
        let storedSize = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length(bytes)), 0) FROM chunks WHERE recording_id = ?", arguments: [rowID]) ?? 0
        guard storedSize == source.size else {
            throw CatalogError(.unimportable, "\(path) changed while it was being imported (\(storedSize) bytes stored of \(source.size)); it was not imported.")
        }
    }

    private func readSegment(_ segment: FileLayout.Segment) throws -> [UInt8] {
        let bytes: [UInt8]
        do {
            bytes = try source.read(at: segment.offset, count: segment.length)
        } catch {
            throw CatalogError(.unimportable, "\(path) cannot be read: \(CatalogError.clause(error.description)).")
        }
        guard bytes.count == segment.length else {
            throw CatalogError(.unimportable, "\(path) changed while it was being imported: it is shorter than before.")
        }
        return bytes
    }

    /// Indicators (at most `CatalogLimits.maxIndicatorsPerRecording`), and unless
    /// `deferText` the terminal text (or else the pending mark).
    /// - Returns: what the audit row should add when a limit was reached, else "".
    private func insertDerived(_ db: any SQLConnection, rowID: Int64) throws -> String {
        let indicator = try db.cachedStatement(sql: "INSERT INTO indicators (recording_id, time_us, kind, detail) VALUES (?, ?, ?, ?)")
        let kept = reader.indicators.prefix(CatalogLimits.maxIndicatorsPerRecording)
        // Only the three indicator kinds reach the table (a reader's index holds no other).
        for i in kept {
            guard let kind = IndicatorKind(i.kind) else { continue }
            try indicator.execute(arguments: [rowID, i.timeMicros, kind, i.detail])
        }
        var note = ""
        if kept.count < reader.indicators.count {
            note += "; indicators: the first \(kept.count) of \(reader.indicators.count) kept (the limit per recording)"
        }
        if deferText {
            try db.execute(sql: "UPDATE recordings SET text_bytes = 0, text_pending = 1 WHERE id = ?", arguments: [rowID])
        } else if try Catalog.insertText(db, recording: rowID, from: reader).limited {
            note += "; terminal text" + Catalog.textLimitNote
        }
        return note
    }
}
