public import Foundation
import PsrecFormat

/// Where a streamed recording stands in the catalog: what a server tells the capture host
/// after each stored chunk, and when the host reconnects.
public struct IngestPosition: Sendable, Equatable {
    /// The recording.
    public var recordingID: UUID
    /// Bytes of the file stored so far: the offset where the next chunk goes.
    public var committedBytes: Int64
    /// The sequence number the next chunk must have.
    public var nextSequence: UInt32
    /// True when the trailer is stored: the recording is complete and takes nothing more.
    public var complete: Bool

    public init(recordingID: UUID, committedBytes: Int64, nextSequence: UInt32, complete: Bool) {
        self.recordingID = recordingID
        self.committedBytes = committedBytes
        self.nextSequence = nextSequence
        self.complete = complete
    }
}

/// Chunks of one recording from one host whose own checks ran (`Catalog.prepareIngest`),
/// ready to be stored by `Catalog.appendIngest(_:)`.
public struct IngestBatch: Sendable {
    public let host: String
    public let recordingID: UUID
    public let chunks: [(offset: Int64, bytes: [UInt8])]
    /// The connection's lease on the recording, renewed by storing the batch; nil for a
    /// caller that takes none (a batch is then refused only while another holds one).
    public let lease: CatalogLease?
    /// The file header the checks used, and each chunk's result; nil when the recording's
    /// header could not be read then (the transaction checks each chunk whole).
    let checked: (file: FileHeader, results: [Result<ChunkCheck.Checked, FormatError>])?
}

/// What storing a batch gives: the position after each chunk stored, and the refusal of the
/// first chunk that was not, if any.
public typealias IngestBatchOutcome = (positions: [IngestPosition], refusal: CatalogError?)

// Live ingest: a capture host streams a recording's file to a server chunk by chunk, in the
// file's own framing, and the server stores each chunk here before acknowledging it.
//
// ```
// beginIngest(head)      header + META          -> position (new, or where it stopped)
// appendIngest(chunk)    one chunk at the end   -> position
// finishIngest(trailer)  the 80-byte trailer    -> complete: verified, hashed, indexed
// ```
//
// Every call is one `BEGIN IMMEDIATE` transaction holding the write lock from its first
// check to its commit, so two connections streaming (or replaying) the same recording can
// never interleave: the second sees what the first committed, and is told where the
// recording ends. A refused chunk stores nothing. Each chunk passes every check a reader's
// scan applies (`ChunkCheck`, and for an INDEX chunk the entries it must list), so the
// stored bytes are at every moment a valid truncated psrec file.
//
// The audit log has a row when a recording is started, resumed and completed, and for every
// refusal of a host that does not stream the recording (action `ingest refused`, in a
// transaction of its own). `appendIngest` and `finishIngest` take no actor: their rows
// name `host:NAME`.
extension Catalog {
    /// Starts or resumes storing a recording streamed by `host`.
    ///
    /// A recording the catalog does not have is added as `truncated` and `live`, with its
    /// header and metadata chunk, its application, users and auditors as an import adds
    /// them, and its terminal text pending. For a recording `host` already streams, the
    /// stored head must be `head` byte for byte; a recording that is not complete becomes
    /// `live` again. Either way the audit log records it.
    /// - Parameters:
    ///   - host: the capture host, as the server authenticated it.
    ///   - head: the file's first bytes: the 32-byte file header, then the META chunk, and
    ///     nothing else.
    ///   - actor: who streams, for the audit log.
    /// - Returns: where the next chunk goes.
    /// - Throws: `.ingestBadChunk` for a head that fails its checks; `.unknownProtocol` for a
    ///   session protocol the catalog does not define; `.ingestNotYours` for a recording
    ///   imported from a file or streamed by another host (logged); `.conflict` when the
    ///   stored head differs; `.storageFull`, `.busy`, `.database`.
    public func beginIngest(host: String, head: [UInt8], actor: String, lease: CatalogLease? = nil) throws(CatalogError) -> IngestPosition {
        let metadata = try Self.checkHead(head)
        let uuid = metadata.recordingID.uuidString.lowercased()
        return try ingestTransaction { db in
            let now = Self.nowMicros
            if let row = try self.ingestRow(db, uuid: uuid, host: host, actor: actor) {
                try Self.claimIngest(db, uuid, lease, beginning: true)
                let stored = try Data.fetchAll(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? AND file_offset < ? ORDER BY file_offset",
                                               arguments: [row.rowID, head.count])
                guard stored.reduce(into: [UInt8](), { $0 += $1 }) == head else {
                    throw CatalogError(.conflict, "Recording \(uuid) is in the catalog \(self.path) with another file header or metadata than the ones sent; nothing was stored.")
                }
                if !row.complete {
                    try db.execute(sql: "UPDATE recordings SET ingest_state = 'live', ingest_seen_us = ? WHERE id = ?", arguments: [now, row.rowID])
                }
                try Self.audit(db, actor: actor, action: "ingest", recording: uuid,
                               detail: "resumed by capture host \(host) at byte \(row.fileSize)" + (row.complete ? " (already complete)" : ""))
                return row.position(metadata.recordingID)
            }
            let prepared = try PreparedImport(source: MemorySource(head), status: .truncated, path: "the head of recording \(uuid)",
                                              sourcePath: nil, deferText: true, checkSeals: .no)
            guard prepared.layout.segments.count == 2, prepared.layout.segments.last?.kind == .chunk else {
                throw CatalogError(.ingestBadChunk, "The head of recording \(uuid) does not read as a file header and one metadata chunk; nothing was stored.")
            }
            self.ingestChecked.forget(uuid)
            try Self.claimIngest(db, uuid, lease, beginning: true)
            let rowID = try prepared.insertContent(db)
            try db.execute(sql: """
                UPDATE recordings SET ingest_host = ?, ingest_state = 'live', ingest_seen_us = ?, ingest_next_sequence = 1,
                    ingest_end_us = 0, ingest_index_offset = NULL WHERE id = ?
                """, arguments: [host, now, rowID])
            try Self.audit(db, actor: actor, action: "ingest", recording: uuid, detail: "started by capture host \(host)")
            return IngestPosition(recordingID: metadata.recordingID, committedBytes: Int64(head.count), nextSequence: 1, complete: false)
        }
    }

    /// Stores one chunk at the end of a recording `host` streams, after every check a
    /// reader's scan makes of it where it stands; the recording stays `truncated` and
    /// becomes `live`. Its events' indicators become rows (up to
    /// `CatalogLimits.maxIndicatorsPerRecording`); its text waits for `finishIngest`, and
    /// text that `indexText` built meanwhile is dropped, to be built again whole.
    ///
    /// An INDEX chunk must point back at the previous INDEX chunk and list exactly the
    /// EVENTS chunks stored since it (a final index: all of them), with their offsets,
    /// sequence numbers, times and event counts; they are read from the stored chunks'
    /// headers, one row at a time (SQLite reads each row whole to cut its first 48 bytes,
    /// so a final index costs a read of the stored file).
    ///
    /// Memory is bounded by the chunk.
    /// - Parameters:
    ///   - offset: where the chunk starts in the file: the position's `committedBytes`.
    ///   - chunk: exactly one chunk, its header and payload.
    /// - Returns: where the next chunk goes.
    /// - Throws: `.notFound` for a recording not begun; `.ingestNotYours` (logged);
    ///   `.ingestOutOfOrder` when `offset` is not where the recording ends, or it is
    ///   complete; `.ingestBadChunk` naming the check the chunk fails; `.storageFull`,
    ///   `.busy`, `.database`. Nothing is stored when it throws.
    public func appendIngest(host: String, recordingID: UUID, offset: Int64, chunk: [UInt8]) throws(CatalogError) -> IngestPosition {
        let outcome = try appendIngest(host: host, recordingID: recordingID, chunks: [(offset, chunk)])
        guard let position = outcome.positions.first else {
            throw outcome.refusal ?? CatalogError(.database, "The catalog \(path) stored nothing of the chunk at byte \(offset) of recording \(recordingID.uuidString.lowercased()), and gave no reason.")
        }
        return position
    }

    /// `appendIngest` for consecutive chunks, in one transaction: the disk is synced once for
    /// all of them (group commit), and each is acknowledged only after that one commit.
    ///
    /// A chunk is refused (`CatalogError`) before anything of it is written, so when one
    /// fails its checks after others were stored, those are committed and returned with the
    /// error for it; nothing of it or of the chunks after it is stored. A database error
    /// stores nothing of the batch.
    /// - Returns: the position after each chunk stored, and the refusal of the first chunk
    ///   that was not, if any.
    /// - Throws: what `appendIngest` throws, when the first chunk is refused.
    public func appendIngest(host: String, recordingID: UUID, chunks: [(offset: Int64, bytes: [UInt8])]) throws(CatalogError) -> IngestBatchOutcome {
        try appendIngest([prepareIngest(host: host, recordingID: recordingID, chunks: chunks)])[0].get()
    }

    /// Runs the checks of `chunks` that depend on their own bytes only (`precheck`), without
    /// holding the catalog: what `appendIngest(_:)` then stores.
    public func prepareIngest(host: String, recordingID: UUID, chunks: [(offset: Int64, bytes: [UInt8])], lease: CatalogLease? = nil) -> IngestBatch {
        IngestBatch(host: host, recordingID: recordingID, chunks: chunks, lease: lease, checked: precheck(recordingID, chunks))
    }

    /// Stores the batches of any number of recordings and hosts in one transaction: one sync
    /// of the disk for all of them (a server gathers what its connections received while the
    /// previous commit was syncing). Each batch is stored as `appendIngest(host:recordingID:chunks:)`
    /// stores it, and refused on its own: a batch refused (its first chunk, or a host that
    /// does not stream the recording, which the audit log records in the same transaction)
    /// does not keep the others from being stored.
    /// - Returns: for each batch, in order, what `appendIngest(host:recordingID:chunks:)`
    ///   returns or throws.
    /// - Throws: `.storageFull`, `.busy`, `.database` when the transaction fails: then
    ///   nothing of any batch is stored.
    public func appendIngest(_ batches: [IngestBatch]) throws(CatalogError) -> [Result<IngestBatchOutcome, CatalogError>] {
        var remembered: [(recording: String, events: [(offset: Int64, checked: Validator.CheckedEvents)])] = []
        let results: [Result<IngestBatchOutcome, CatalogError>]
        do {
            results = try store.write { db in
                var results: [Result<IngestBatchOutcome, CatalogError>] = []
                remembered = []
                for batch in batches {
                    results.append(try self.appendBatch(db, batch, remembered: &remembered))
                }
                return results
            }
        } catch {
            throw Self.wrap(error, path: path)
        }
        for (recording, events) in remembered { ingestChecked.remember(recording, events) }
        return results
    }

    /// One batch of `appendIngest(_:)`, inside its transaction.
    private func appendBatch(_ db: any SQLConnection, _ batch: IngestBatch,
                             remembered: inout [(recording: String, events: [(offset: Int64, checked: Validator.CheckedEvents)])]) throws -> Result<IngestBatchOutcome, CatalogError> {
        var positions: [IngestPosition] = []
        var events: [(offset: Int64, checked: Validator.CheckedEvents)] = []
        var refusal: CatalogError?
        do {
            if !batch.chunks.isEmpty {
                // Before any chunk: a connection whose lease another took stores nothing more.
                // The usual case, the connection's own lease renewed, is one statement.
                let uuid = batch.recordingID.uuidString.lowercased()
                let renewed = try batch.lease.map { lease in
                    try db.execute(sql: "UPDATE leases SET expires_us = ? WHERE name = ? AND owner = ?",
                                   arguments: [Self.nowMicros + Int64(lease.seconds * 1_000_000), CatalogLease.ingest(uuid), lease.owner])
                    return db.changesCount == 1
                } ?? false
                if !renewed, try self.ingestRow(db, uuid: uuid, host: batch.host, actor: "host:" + batch.host) != nil {
                    try Self.claimIngest(db, uuid, batch.lease, beginning: false)
                }
            }
            for (i, chunk) in batch.chunks.enumerated() {
                let (position, found) = try appendChunk(db, host: batch.host, recordingID: batch.recordingID, offset: chunk.offset, chunk: chunk.bytes,
                                                        prechecked: batch.checked?.results[i], fileHeader: batch.checked?.file)
                positions.append(position)
                if let found { events.append((chunk.offset, found)) }
            }
        } catch let error as CatalogError {
            guard !positions.isEmpty else { return .failure(error) }
            refusal = error
        } catch let error as IngestRefusal {
            // Refused before anything was written: logged in this transaction, which commits.
            try Self.audit(db, actor: error.actor, action: "ingest refused", recording: error.recording, detail: error.detail)
            return .failure(error.error)
        }
        remembered.append((batch.recordingID.uuidString.lowercased(), events))
        return .success((positions, refusal))
    }

    /// The content checks (`ChunkCheck.checkContent`) of `chunks`, run before the write
    /// lock is taken and on all cores at once: what holds the lock is then only the checks
    /// that depend on the chunks before (`ChunkCheck.checkPlace`) and the writes. Nil when
    /// the recording or its file header cannot be read: the transaction then checks each
    /// chunk whole, and says what is wrong.
    ///
    /// The results are used only if the file header the transaction reads is this one.
    private func precheck(_ recordingID: UUID, _ chunks: [(offset: Int64, bytes: [UInt8])]) -> (file: FileHeader, results: [Result<ChunkCheck.Checked, FormatError>])? {
        let uuid = recordingID.uuidString.lowercased()
        let file: FileHeader
        if let known = ingestChecked.fileHeader(uuid) {
            file = known
        } else {
            guard let bytes = try? read({ db in
                try Data.fetchOne(db, sql: "SELECT c.bytes FROM chunks c JOIN recordings r ON r.id = c.recording_id WHERE r.uuid = ? AND c.file_offset = 0", arguments: [uuid])
            }), let found = try? [UInt8](bytes).withUnsafeBytes({ raw in try FileHeader.decode(raw) }) else { return nil }
            file = found
            ingestChecked.remember(uuid, fileHeader: found)
        }
        func check(_ chunk: (offset: Int64, bytes: [UInt8]), _ compressor: Compressor) -> Result<ChunkCheck.Checked, FormatError> {
            Result(catching: { () throws(FormatError) -> ChunkCheck.Checked in
                try ChunkCheck.checkContent(chunk.bytes, offset: chunk.offset, minorVersion: file.minor, salt: file.salt, compressor: compressor)
            })
        }
        if chunks.count == 1 { return (file, [check(chunks[0], Compressor())]) }
        let work = OrderedWork<Compressor, Result<ChunkCheck.Checked, FormatError>>(
            workers: min(chunks.count, ProcessInfo.processInfo.activeProcessorCount), depth: chunks.count, name: "psrec-ingest-check",
            makeState: { Compressor() })
        defer { work.stop() }
        for chunk in chunks { work.submit { compressor in check(chunk, compressor) } }
        return (file, chunks.map { _ in work.next() })
    }

    /// One chunk of `appendIngest`, inside the caller's transaction; `prechecked` is its
    /// `precheck` result, made with `fileHeader`.
    /// Every refusal it throws comes before its first write.
    private func appendChunk(_ db: any SQLConnection, host: String, recordingID: UUID, offset: Int64, chunk: [UInt8],
                             prechecked: Result<ChunkCheck.Checked, FormatError>?, fileHeader: FileHeader?) throws -> (IngestPosition, Validator.CheckedEvents?) {
        let uuid = recordingID.uuidString.lowercased()
        guard let row = try self.ingestRow(db, uuid: uuid, host: host, actor: "host:" + host) else {
            throw CatalogError(.notFound, "Recording \(uuid) is not in the catalog \(self.path); its streaming must begin with its file header and metadata.")
        }
        try self.checkNextOffset(row, offset, uuid: uuid)
        let file = try Self.storedFileHeader(db, row.rowID, uuid: uuid)
        let position = ChunkCheck.Position(offset: offset, sequence: row.nextSequence, notBeforeMicros: row.endMicros, minorVersion: file.minor)
        let checked: ChunkCheck.Checked
        switch Result(catching: { () throws(FormatError) -> ChunkCheck.Checked in
            if let prechecked, let fileHeader, fileHeader.salt == file.salt, fileHeader.minor == file.minor {
                let found = try prechecked.get()
                try ChunkCheck.checkPlace(found.header, at: position)
                return found
            }
            return try ChunkCheck.check(chunk, at: position, salt: file.salt, compressor: Compressor())
        }) {
        case .success(let found): checked = found
        case .failure(let error): throw Self.badChunk(uuid, offset, error.message)
        }
        let header = checked.header
        if let index = checked.index {
            try Self.crossCheck(db, index, at: offset, sequence: header.sequence, row: row, salt: file.salt, uuid: uuid)
        }
        try db.cachedStatement(sql: "INSERT INTO chunks (recording_id, file_offset, kind, sequence, bytes) VALUES (?, ?, 'chunk', ?, ?)").execute(
                       arguments: [row.rowID, offset, Int64(header.sequence), Data(chunk)])
        if !row.textPending {
            // `indexText` indexed what had arrived; the text is built again, whole, once
            // the recording is complete (or by `indexText` if it never is).
            try Self.deleteText(db, recording: row.rowID)
            try db.execute(sql: "UPDATE recordings SET text_pending = 1, text_bytes = 0 WHERE id = ?", arguments: [row.rowID])
        }
        let room = max(0, CatalogLimits.maxIndicatorsPerRecording - row.indicatorCount)
        if room > 0 && !checked.indicators.isEmpty {
            let insert = try db.cachedStatement(sql: "INSERT INTO indicators (recording_id, time_us, kind, detail) VALUES (?, ?, ?, ?)")
            for indicator in checked.indicators.prefix(room) {
                guard let kind = IndicatorKind(indicator.kind) else { continue }
                try insert.execute(arguments: [row.rowID, indicator.timeMicros, kind, indicator.detail])
            }
        }
        let endMicros = max(row.endMicros, header.endMicros)
        let size = offset + Int64(chunk.count)
        try db.cachedStatement(sql: """
            UPDATE recordings SET file_size = ?, chunk_count = chunk_count + 1, event_count = event_count + ?,
                indicator_count = indicator_count + ?, end_us = start_us + ?, duration_us = ?,
                ingest_next_sequence = ?, ingest_end_us = ?, ingest_index_offset = coalesce(?, ingest_index_offset),
                ingest_seen_us = ?, ingest_state = 'live'
            WHERE id = ?
            """).execute(arguments: [size, checked.eventCount, checked.indicators.count, endMicros, endMicros,
                             Int64(header.sequence) + 1, endMicros, checked.index == nil ? nil : offset,
                             Self.nowMicros, row.rowID])
        return (IngestPosition(recordingID: recordingID, committedBytes: size, nextSequence: header.sequence &+ 1, complete: false),
                Validator.CheckedEvents(checked))
    }

    /// Stores a streamed recording's trailer and settles the recording in the same
    /// transaction: the whole stored file must verify as `complete` (`Validator.verify` on
    /// the catalog's own bytes), then its digest, counts, indicators and terminal text are
    /// made exactly as an import of the file makes them, and it is no longer live. The file
    /// is verified and hashed before the write lock is taken (the stored chunks do not
    /// change; the transaction makes sure none was added meanwhile), so other recordings'
    /// chunks are stored meanwhile. Finishing
    /// a complete recording again with the same trailer at the same offset changes nothing.
    ///
    /// The EVENTS chunks this catalog object stored from the stream are not decoded again
    /// (`IngestCheckMemory`): they passed the same checks when they arrived, and the check
    /// still reads each one's header to make sure it is the chunk checked.
    ///
    /// Memory is bounded by a chunk and the recording's index, as for an import.
    /// - Parameters:
    ///   - offset: where the trailer starts: the position's `committedBytes`.
    ///   - trailer: the file's last 80 bytes.
    /// - Returns: the recording's position, `complete`.
    /// - Throws: `.notFound`; `.ingestNotYours` (logged); `.ingestOutOfOrder` for another
    ///   offset; `.conflict` for a complete recording with another trailer;
    ///   `.ingestBadChunk` when the recording would not verify as complete (nothing is
    ///   stored); `.storageFull`, `.busy`, `.database`.
    ///   - deferText: store no terminal text and mark it pending, as `import --defer-text`
    ///     does (a server builds it after acknowledging the trailer, outside the write lock).
    public func finishIngest(host: String, recordingID: UUID, offset: Int64, trailer: [UInt8], deferText: Bool = false,
                             lease: CatalogLease? = nil) throws(CatalogError) -> IngestPosition {
        let uuid = recordingID.uuidString.lowercased()
        let known = ingestChecked.known(uuid)
        let early = checkBeforeFinishing(host: host, uuid: uuid, offset: offset, trailer: trailer, known: known, deferText: deferText)
        let position = try ingestTransaction { db in
            guard let row = try self.ingestRow(db, uuid: uuid, host: host, actor: "host:" + host) else {
                throw CatalogError(.notFound, "Recording \(uuid) is not in the catalog \(self.path); its streaming must begin with its file header and metadata.")
            }
            try Self.claimIngest(db, uuid, lease, beginning: false)
            if row.complete {
                let stored = try SQLRow.fetchOne(db, sql: "SELECT file_offset, bytes FROM chunks WHERE recording_id = ? AND kind = 'trailer'", arguments: [row.rowID])
                guard let stored, stored["file_offset"] == offset, (stored["bytes"] as Data) == Data(trailer) else {
                    throw CatalogError(.conflict, "Recording \(uuid) is complete in the catalog \(self.path) with another trailer than the one sent at byte \(offset); nothing was stored.")
                }
                return row.position(recordingID)
            }
            try self.checkNextOffset(row, offset, uuid: uuid)
            guard trailer.count == Trailer.size else {
                throw Self.badChunk(uuid, offset, "A trailer is \(Trailer.size) bytes, not \(trailer.count)")
            }
            try db.execute(sql: "INSERT INTO chunks (recording_id, file_offset, kind, sequence, bytes) VALUES (?, ?, 'trailer', NULL, ?)",
                           arguments: [row.rowID, offset, Data(trailer)])
            let size = offset + Int64(trailer.count)
            let source = StoredRecordingSource(connection: db, rowID: row.rowID, recordingID: uuid, size: size)
            // Checked before the write lock was taken, when nothing was stored meanwhile.
            let early = early.flatMap { $0.rowID == row.rowID && $0.size == size ? $0 : nil }
            let verdict = early?.verdict ?? Validator.verify(source, known: known)
            guard verdict.status == .complete else {
                let first = verdict.problems.first
                let at = first?.offset.map { " at byte \($0)" } ?? ""
                throw CatalogError(.ingestBadChunk, "Recording \(uuid) with this trailer would be \(verdict.status.rawValue), not complete (the first problem\(at): \(CatalogError.clause(first?.message ?? "none reported"))); the trailer was not stored.")
            }
            let name = "recording \(uuid)"
            let prepared = try early?.prepared ?? PreparedImport(source: source, verdict: verdict, path: name, sourcePath: nil, deferText: deferText)
            let note = try prepared.settle(db, rowID: row.rowID, sha256: early?.sha256 ?? PreparedImport.digest(source, name: name))
            try db.execute(sql: "UPDATE recordings SET ingest_state = NULL, ingest_seen_us = ? WHERE id = ?", arguments: [Self.nowMicros, row.rowID])
            try db.execute(sql: "DELETE FROM leases WHERE name = ?", arguments: [CatalogLease.ingest(uuid)])
            try Self.audit(db, actor: "host:" + host, action: "ingest", recording: uuid, detail: "completed by capture host \(host) (\(size) bytes)" + note)
            return IngestPosition(recordingID: recordingID, committedBytes: size, nextSequence: row.nextSequence, complete: true)
        }
        ingestChecked.forget(uuid)
        return position
    }

    /// What `finishIngest` checks of a recording before it takes the write lock, so that
    /// other recordings' chunks are not kept waiting meanwhile: the stored bytes with the
    /// trailer after them verified and hashed, and (without terminal text, which reads the
    /// content while writing) what the recording's row becomes. Nil when the recording is
    /// not one `host` is streaming and can finish at `offset`: the transaction then says why.
    private func checkBeforeFinishing(host: String, uuid: String, offset: Int64, trailer: [UInt8], known: [Int64: Validator.CheckedEvents],
                                      deferText: Bool) -> (rowID: Int64, size: Int64, verdict: Verdict, prepared: PreparedImport?, sha256: String?)? {
        guard trailer.count == Trailer.size,
              let row = try? read({ db in try SQLRow.fetchOne(db, sql: "SELECT id, file_size, status, ingest_host FROM recordings WHERE uuid = ?", arguments: [uuid]) }),
              (row["ingest_host"] as String?) == host, (row["status"] as String) != Verdict.Status.complete.rawValue,
              (row["file_size"] as Int64) == offset else { return nil }
        let rowID: Int64 = row["id"]
        let size = offset + Int64(trailer.count)
        let source = StoredRecordingSource(store: store, rowID: rowID, recordingID: uuid, size: size, tail: trailer)
        let verdict = Validator.verify(source, known: known)
        guard verdict.status == .complete else { return (rowID, size, verdict, nil, nil) }
        let name = "recording \(uuid)"
        guard let sha256 = try? PreparedImport.digest(source, name: name) else { return nil }
        let prepared = deferText ? try? PreparedImport(source: source, verdict: verdict, path: name, sourcePath: nil, deferText: true) : nil
        return (rowID, size, verdict, prepared, sha256)
    }

    /// A recording `host` streams ends at `offset` without a trailer (its recorder was
    /// killed, or its host rebooted): it is marked `interrupted` at once, and stays playable
    /// up to there. A later `beginIngest` from the same host resumes it.
    /// - Returns: its position.
    /// - Throws: `.notFound`; `.ingestNotYours` (logged); `.ingestComplete`;
    ///   `.ingestOutOfOrder` when `offset` is not where it ends in the catalog; `.busy`,
    ///   `.database`.
    public func endIngest(host: String, recordingID: UUID, offset: Int64, lease: CatalogLease? = nil) throws(CatalogError) -> IngestPosition {
        let uuid = recordingID.uuidString.lowercased()
        let position = try ingestTransaction { db in
            guard let row = try self.ingestRow(db, uuid: uuid, host: host, actor: "host:" + host) else {
                throw CatalogError(.notFound, "Recording \(uuid) is not in the catalog \(self.path).")
            }
            try Self.claimIngest(db, uuid, lease, beginning: false)
            try self.checkNextOffset(row, offset, uuid: uuid)
            try db.execute(sql: "DELETE FROM leases WHERE name = ?", arguments: [CatalogLease.ingest(uuid)])
            try db.execute(sql: "UPDATE recordings SET ingest_state = 'interrupted', ingest_seen_us = ? WHERE id = ?", arguments: [Self.nowMicros, row.rowID])
            try Self.audit(db, actor: "host:" + host, action: "ingest", recording: uuid, detail: "ended without a trailer by capture host \(host) at byte \(row.fileSize)")
            return row.position(recordingID)
        }
        ingestChecked.forget(uuid)
        return position
    }

    /// Marks `interrupted` the live recordings that received nothing since
    /// `seenBeforeMicros`; the next chunk or `beginIngest` from their host makes them live
    /// again.
    /// - Parameter seenBeforeMicros: microseconds since 1970; recordings whose last chunk
    ///   arrived earlier are marked.
    /// - Returns: how many were marked.
    public func markInterrupted(seenBeforeMicros: Int64) throws(CatalogError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE recordings SET ingest_state = 'interrupted' WHERE ingest_state = 'live' AND ingest_seen_us < ?",
                           arguments: [seenBeforeMicros])
            return db.changesCount
        }
    }
}

/// The `recordings` columns an ingest call reads.
private struct IngestRow {
    var rowID: Int64
    var fileSize: Int64
    var nextSequence: UInt32
    var endMicros: Int64
    var indexOffset: Int64?
    var indicatorCount: Int
    var textPending: Bool
    var complete: Bool

    func position(_ id: UUID) -> IngestPosition {
        IngestPosition(recordingID: id, committedBytes: fileSize, nextSequence: nextSequence, complete: complete)
    }
}

/// A refusal to log in the audit log after the transaction that found it rolls back.
private struct IngestRefusal: Error {
    var error: CatalogError
    var actor: String
    var recording: String
    var detail: String
}

extension Catalog {
    /// Runs `body` in one write transaction; an `IngestRefusal` is logged in a
    /// transaction of its own and thrown as its error.
    private func ingestTransaction<T>(_ body: (any SQLConnection) throws -> T) throws(CatalogError) -> T {
        do {
            return try store.write(body)
        } catch let refusal as IngestRefusal {
            try write { db in try Self.audit(db, actor: refusal.actor, action: "ingest refused", recording: refusal.recording, detail: refusal.detail) }
            throw refusal.error
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// Takes or renews `lease` on the ingest of recording `uuid` (`Catalog.claim`); without
    /// one, refuses while another connection holds an unexpired lease on it.
    /// - Parameter beginning: a `hello`, which takes over from an older connection of the
    ///   same server at once.
    private static func claimIngest(_ db: any SQLConnection, _ uuid: String, _ lease: CatalogLease?, beginning: Bool) throws {
        let name = CatalogLease.ingest(uuid)
        if let lease {
            try claim(db, name, lease, taking: beginning, supersedingOwnServer: beginning, what: "Recording \(uuid)")
        } else if let held = try SQLRow.fetchOne(db, sql: "SELECT owner FROM leases WHERE name = ? AND expires_us > ?", arguments: [name, nowMicros]) {
            throw CatalogError(.leaseHeld, "Recording \(uuid) is being received by \(held["owner"] as String); try again when it lets go.")
        }
    }

    /// The recording's ingest columns, or nil when the catalog does not have it.
    /// - Throws: an `IngestRefusal` when `host` does not stream it.
    private func ingestRow(_ db: any SQLConnection, uuid: String, host: String, actor: String) throws -> IngestRow? {
        guard let row = try SQLRow.fetchOne(db.cachedStatement(sql: """
            SELECT id, file_size, status, indicator_count, text_pending, ingest_host, ingest_next_sequence, ingest_end_us, ingest_index_offset
            FROM recordings WHERE uuid = ?
            """), arguments: [uuid]) else { return nil }
        let owner: String? = row["ingest_host"]
        guard owner == host else {
            let why = owner == nil ? "it was imported from a file" : "another capture host streams it"
            throw IngestRefusal(error: CatalogError(.ingestNotYours, "Capture host \(host) may not stream recording \(uuid) into the catalog \(path): \(why)."),
                                actor: actor, recording: uuid, detail: "capture host \(host) refused: \(why)")
        }
        return IngestRow(rowID: row["id"], fileSize: row["file_size"], nextSequence: UInt32(truncatingIfNeeded: row["ingest_next_sequence"] as Int64? ?? 0),
                         endMicros: row["ingest_end_us"] ?? 0, indexOffset: row["ingest_index_offset"], indicatorCount: row["indicator_count"],
                         textPending: row["text_pending"], complete: (row["status"] as String) == Verdict.Status.complete.rawValue)
    }

    private func checkNextOffset(_ row: IngestRow, _ offset: Int64, uuid: String) throws(CatalogError) {
        if row.complete {
            throw CatalogError(.ingestComplete, "Recording \(uuid) is complete in the catalog \(path) (\(row.fileSize) bytes); nothing can follow its trailer.")
        }
        guard offset == row.fileSize else {
            throw CatalogError(.ingestOutOfOrder, "Recording \(uuid) ends at byte \(row.fileSize) in the catalog \(path), so the next chunk goes there, not at byte \(offset); nothing was stored.")
        }
    }

    /// Checks the file header and the META chunk that begin a streamed recording.
    /// - Returns: the recording's metadata.
    static func checkHead(_ head: [UInt8]) throws(CatalogError) -> RecordingMetadata {
        guard head.count > FileHeader.size + ChunkHeader.size else {
            throw CatalogError(.ingestBadChunk, "The head of a streamed recording is its 32-byte file header and its metadata chunk; \(head.count) bytes cannot hold both.")
        }
        let metadata: RecordingMetadata
        do {
            let header = try head.withUnsafeBytes { raw in try FileHeader.decode(UnsafeRawBufferPointer(rebasing: raw[0..<FileHeader.size])) }
            let checked = try ChunkCheck.check(Array(head[FileHeader.size...]),
                                               at: ChunkCheck.Position(offset: Int64(FileHeader.size), sequence: 0, notBeforeMicros: 0, minorVersion: header.minor),
                                               salt: header.salt, compressor: Compressor())
            guard let found = checked.metadata else {
                throw FormatError(.malformedPayload, "The first chunk is not the metadata chunk", offset: Int64(FileHeader.size))
            }
            metadata = found
        } catch let error as FormatError {
            let at = error.offset.map { " at byte \($0)" } ?? ""
            throw CatalogError(.ingestBadChunk, "The head of a streamed recording fails its checks\(at): \(CatalogError.clause(error.message)); nothing was stored.")
        } catch {
            throw CatalogError(.ingestBadChunk, "The head of a streamed recording fails its checks: \(CatalogError.clause(String(describing: error))); nothing was stored.")
        }
        guard Application.knownProtocols.contains(metadata.sessionProtocol) else {
            throw CatalogError(.unknownProtocol, "Recording \(metadata.recordingID.uuidString.lowercased()) gives its session protocol as '\(metadata.sessionProtocol.rawValue)', which the catalog does not accept (only \(Application.knownProtocols.map(\.rawValue).joined(separator: " and ")) are defined); nothing was stored.")
        }
        return metadata
    }

    /// The stored file header of a recording being streamed.
    private static func storedFileHeader(_ db: any SQLConnection, _ rowID: Int64, uuid: String) throws -> FileHeader {
        guard let bytes = try Data.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM chunks WHERE recording_id = ? AND file_offset = 0"), arguments: [rowID]) else {
            throw CatalogError(.database, "The catalog holds no file header for recording \(uuid).")
        }
        do {
            return try [UInt8](bytes).withUnsafeBytes { raw in try FileHeader.decode(raw) }
        } catch {
            throw CatalogError(.database, "The stored file header of recording \(uuid) is damaged: \(CatalogError.clause(String(describing: error))).")
        }
    }

    /// Checks an INDEX chunk at `offset` against the stored chunks as a reader's scan does:
    /// it points back at the previous INDEX chunk, and its entries are the EVENTS chunks
    /// since that one (all of them for a final index), in file order.
    private static func crossCheck(_ db: any SQLConnection, _ index: IndexPayload, at offset: Int64, sequence: UInt32, row: IngestRow,
                                   salt: UInt64, uuid: String) throws {
        guard index.previousIndexOffset == row.indexOffset else {
            let said = index.previousIndexOffset.map { "byte \($0)" } ?? "none"
            let stored = row.indexOffset.map { "byte \($0)" } ?? "none"
            throw badChunk(uuid, offset, "Index chunk \(sequence) names \(said) as the previous index, but the previous index stored is \(stored)")
        }
        let from = index.isFinal ? 0 : (row.indexOffset ?? 0)
        let heads = try SQLRow.fetchCursor(db, sql: "SELECT file_offset, substr(bytes, 1, \(ChunkHeader.size)) AS head FROM chunks WHERE recording_id = ? AND kind = 'chunk' AND file_offset > ? ORDER BY file_offset",
                                        arguments: [row.rowID, from])
        let listed = index.entries
        var matched = 0
        while let stored = try heads.next() {
            let chunkOffset: Int64 = stored["file_offset"]
            let head = [UInt8](stored["head"] as Data)
            let header: ChunkHeader
            do {
                header = try head.withUnsafeBytes { raw in try ChunkHeader.decode(raw, salt: salt, offset: chunkOffset) }
            } catch {
                throw CatalogError(.database, "The stored chunk at byte \(chunkOffset) of recording \(uuid) is damaged: \(CatalogError.clause(String(describing: error))).")
            }
            guard header.type == .events else { continue }
            let entry = SeekEntry(offset: chunkOffset, sequence: header.sequence, startMicros: header.startMicros, endMicros: header.endMicros, eventCount: header.itemCount)
            guard matched < listed.count, listed[matched] == entry else {
                throw badChunk(uuid, offset, "Index chunk \(sequence) does not list the EVENTS chunk at byte \(chunkOffset) as entry \(matched) (it lists \(listed.count) entries)")
            }
            matched += 1
        }
        guard matched == listed.count else {
            throw badChunk(uuid, offset, "Index chunk \(sequence) lists \(listed.count) EVENTS chunks where \(matched) are stored since the previous index")
        }
    }

    private static func badChunk(_ uuid: String, _ offset: Int64, _ reason: String) -> CatalogError {
        CatalogError(.ingestBadChunk, "The chunk sent at byte \(offset) of recording \(uuid) was refused: \(CatalogError.clause(reason)); nothing was stored.")
    }
}
