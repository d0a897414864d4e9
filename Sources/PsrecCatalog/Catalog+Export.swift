import Crypto
import Foundation
public import PsrecFormat

extension Catalog {
    /// Writes a recording's stored content to `sink`, row by row, and checks it against the
    /// SHA-256 recorded at import.
    ///
    /// A recording a capture host is still streaming has no digest yet: it is written as it
    /// stood when `recording` was read (its first `fileBytes` bytes, a valid truncated file),
    /// checked for size only.
    /// - Throws: `.database` when the content does not match its digest or size.
    public func export(_ recording: CatalogRecording, into sink: any ChunkSink) throws(CatalogError) {
        var hasher = SHA256()
        var written: Int64 = 0
        do {
            try store.read { db in
                let rows = try SQLRow.fetchCursor(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? AND file_offset < ? ORDER BY file_offset",
                                             arguments: [recording.rowID, recording.fileBytes])
                while let row = try rows.next() {
                    let bytes = [UInt8](row["bytes"] as Data)
                    hasher.update(data: bytes)
                    try sink.append(bytes)
                    written += Int64(bytes.count)
                }
            }
        } catch let error as FormatError {
            throw CatalogError(.database, "Writing recording \(recording.uuid) failed: \(CatalogError.clause(error.message)).")
        } catch {
            throw Self.wrap(error, path: path)
        }
        let digest = hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let streaming = recording.sha256.isEmpty && recording.state != .complete
        guard written == recording.fileBytes, streaming || digest == recording.sha256 else {
            throw CatalogError(.database, "The content of recording \(recording.uuid) in the catalog does not match the SHA-256 recorded at import (\(written) of \(recording.fileBytes) bytes); the catalog is corrupt.")
        }
    }
}
