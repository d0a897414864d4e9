import Foundation
import PsrecFormat

/// What `Catalog.indexText(of:actor:)` did for one recording.
public struct TextIndexOutcome: Sendable {
    /// The recording's UUID.
    public var recordingID: String
    /// False when the text was indexed already (by another `psrec index`, or by a later import).
    public var indexed: Bool
    /// Bytes of terminal text stored.
    public var textBytes: Int
}

extension Catalog {
    /// Texts are stored in rows of about this many bytes.
    static let textRowBytes = 4096

    /// Stores the terminal text of a recording and indexes it for full-text search, then
    /// clears its `text_pending` mark. Import (from the file) and `indexText` (from the
    /// catalog's own chunks) both store text through here, so they make the same rows.
    ///
    /// The text is cut into rows of about `textRowBytes` bytes, at chunk boundaries (and
    /// inside a chunk whose text passes `CatalogLimits.maxTextRowBytes`); each row is kept
    /// zstd-compressed in `terminal_text` and indexed in `terminal_text_fts` under the same
    /// rowid. At most `CatalogLimits.maxTextBytesPerRecording` bytes are stored; the chunks
    /// after that are not read.
    ///
    /// - Returns: bytes of text stored, and whether the limit cut it short.
    /// - Throws: `FormatError` when an events chunk cannot be read; SQLite errors.
    static func insertText(_ db: any SQLConnection, recording rowID: Int64, from reader: RecordingReader) throws -> (bytes: Int, limited: Bool) {
        // Rows get their ids here (what SQLite would give them: one above the largest), so
        // that a row is indexed while its compressed copy is still being made.
        let textRow = try db.cachedStatement(sql: "INSERT INTO terminal_text (id, recording_id, time_us, text_length, text_zstd) VALUES (?, ?, ?, ?, ?)")
        let indexRow = try Catalog.textIndexInsert(db)
        var nextID = (try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM terminal_text") ?? 0) + 1
        let packer = TextRowPacker()
        var waiting: [(id: Int64, startMicros: Int64, length: Int)] = []
        var firstWaiting = 0
        func storeOldest() throws {
            let packed = try packer.takeOldest()
            let row = waiting[firstWaiting]
            firstWaiting += 1
            if firstWaiting == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                firstWaiting = 0
            }
            try textRow.execute(arguments: [row.id, rowID, row.startMicros, row.length, Data(packed)])
        }
        var text = TerminalText()
        var rowStart: Int64?
        var total = 0
        var limited = false
        let limit = CatalogLimits.maxTextBytesPerRecording
        func flush(final: Bool) throws {
            var chunk = text.take(final: final)
            guard let start = rowStart, !chunk.isEmpty else { return }
            var utf8 = Array(chunk.utf8)
            if total + utf8.count > limit {
                // Cut at a character boundary at or below the limit.
                var end = limit - total
                while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
                utf8.removeSubrange(end...)
                chunk = String(decoding: utf8, as: UTF8.self)
                limited = true
                guard !utf8.isEmpty else { return }
            }
            packer.submit(utf8)
            waiting.append((nextID, start, utf8.count))
            try indexRow.execute(arguments: [nextID, rowID, Catalog.indexedText(db.dialect, chunk)])
            nextID += 1
            total += utf8.count
            rowStart = nil
            while packer.inFlight > 4 { try storeOldest() }
        }
        // Files are read ahead (and decompressed) on other threads while this one extracts and indexes.
        do {
            try reader.forEachChunk(reader.entries.indices) { entry, read in
                let (header, payload) = try read.get()
                try payload.withUnsafeBytes { raw in
                    try EventsPayload.forEach(in: raw, header: header, offset: entry.offset) { event in
                        guard event.type == .output else { return }
                        if rowStart == nil { rowStart = event.timeMicros }
                        var slice = event.body[...]
                        while !slice.isEmpty {
                            let piece = slice.prefix(CatalogLimits.textSliceBytes)
                            text.append(UnsafeRawBufferPointer(rebasing: piece))
                            slice = slice.dropFirst(piece.count)
                            if text.count >= CatalogLimits.maxTextRowBytes {
                                try flush(final: false)
                                if rowStart == nil && !slice.isEmpty { rowStart = event.timeMicros }
                            }
                            if limited || total + text.count > limit { throw TextLimitReached() }
                        }
                    }
                }
                if text.count >= Self.textRowBytes { try flush(final: false) }
            }
        } catch is TextLimitReached {
            limited = true
        }
        try flush(final: true)
        while packer.inFlight > 0 { try storeOldest() }
        try db.execute(sql: "UPDATE recordings SET text_bytes = ?, text_pending = 0 WHERE id = ?", arguments: [total, rowID])
        return (total, limited)
    }

    /// What the audit log says of a recording whose text reached its limit.
    static var textLimitNote: String { ", cut at the limit of \(CatalogLimits.maxTextBytesPerRecording >> 20) MiB per recording" }

    /// Thrown out of the chunk loop once a recording's text reaches its limit: the rest of
    /// the recording is not read.
    private struct TextLimitReached: Error {}

    /// Recordings imported with `deferText` whose terminal text is not indexed yet, oldest
    /// import first.
    /// - Parameter limit: at most this many.
    public func textPendingRecordings(limit: Int? = nil) throws(CatalogError) -> [CatalogRecording] {
        var sql = "SELECT \(CatalogRecording.columns) FROM recordings r WHERE r.text_pending = 1 ORDER BY r.imported_us, r.id"
        if let limit { sql += " LIMIT \(max(0, limit))" }
        return try read { db in try SQLRow.fetchAll(db, sql: sql).map(CatalogRecording.init(row:)) }
    }

    /// Builds the terminal text and full-text index rows of a recording imported with
    /// `deferText`, from its stored content, in one transaction; the same rows an import
    /// without `deferText` makes. Does nothing for a recording whose text is indexed already.
    ///
    /// - Parameters:
    ///   - recording: a recording from `textPendingRecordings`.
    ///   - actor: who indexes, for the audit log.
    /// - Throws: `.notFound` when the recording was deleted meanwhile; `.database` when its
    ///   stored content is corrupt (it stays pending) or SQLite fails.
    public func indexText(of recording: CatalogRecording, actor: String) throws(CatalogError) -> TextIndexOutcome {
        let uuid = recording.uuid
        do {
            return try store.write { db -> TextIndexOutcome in
                guard let pending = try Bool.fetchOne(db, sql: "SELECT text_pending FROM recordings WHERE id = ? AND uuid = ?", arguments: [recording.rowID, uuid]) else {
                    throw CatalogError(.notFound, "Recording \(uuid) was deleted from the catalog \(path) before its text could be indexed.")
                }
                guard pending else {
                    let bytes = try Int.fetchOne(db, sql: "SELECT text_bytes FROM recordings WHERE id = ?", arguments: [recording.rowID]) ?? 0
                    return TextIndexOutcome(recordingID: uuid, indexed: false, textBytes: bytes)
                }
                let size = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length(bytes)), 0) FROM chunks WHERE recording_id = ?", arguments: [recording.rowID]) ?? 0
                let source = StoredRecordingSource(connection: db, rowID: recording.rowID, recordingID: uuid, size: size)
                let bytes: Int, limited: Bool
                do {
                    let reader = try RecordingReader(source: source)
                    if let damage = reader.damage.first {
                        throw FormatError(damage.error.code, damage.error.message, offset: damage.offset)
                    }
                    (bytes, limited) = try Self.insertText(db, recording: recording.rowID, from: reader)
                } catch let error as FormatError {
                    let at = error.offset.map { " at byte \($0)" } ?? ""
                    throw CatalogError(.database, "The stored content of recording \(uuid) is corrupt\(at) (\(CatalogError.clause(error.message))); its text was not indexed and it stays pending.")
                }
                try Self.audit(db, actor: actor, action: "index", recording: uuid, detail: "terminal text indexed (\(bytes) bytes\(limited ? Self.textLimitNote : ""))")
                return TextIndexOutcome(recordingID: uuid, indexed: true, textBytes: bytes)
            }
        } catch {
            throw Self.wrap(error, path: path)
        }
    }
}
