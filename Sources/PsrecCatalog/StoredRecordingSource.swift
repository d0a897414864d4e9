import Foundation
public import PsrecFormat

/// A recording's bytes read from the catalog's `chunks` table, so that `RecordingReader` and
/// `Validator` work on a stored recording exactly as on a file.
///
/// Each read fetches the row holding the offset (one indexed lookup) and keeps it, so the
/// header read and the payload read of one chunk cost one query.
///
/// A source made from a connection (`init(connection:…)`) reads inside the caller's
/// transaction, so a write can rebuild what derives from the content it reads; it is valid
/// only inside the database access that made it.
public final class StoredRecordingSource: ByteSource {
    private enum Access {
        case store(any CatalogStore)
        case connection(any SQLConnection)
    }
    private let access: Access
    private let rowID: Int64
    /// The recording's UUID, for messages.
    public let recordingID: String
    public let size: Int64
    private var cachedOffset: Int64 = 0
    private var cached: [UInt8] = []
    /// Bytes not stored (yet) that follow the stored ones: the source's last bytes.
    private let tail: [UInt8]

    /// A source reading each row in a read of its own from `store`, usable at any time
    /// (the stored rows of a recording are appended to, never changed).
    /// - Parameter tail: bytes that follow the stored ones, not stored yet (a trailer being
    ///   checked before it is stored); `size` counts them.
    init(store: any CatalogStore, rowID: Int64, recordingID: String, size: Int64, tail: [UInt8] = []) {
        access = .store(store)
        self.rowID = rowID
        self.recordingID = recordingID
        self.size = size
        self.tail = tail
    }

    init(connection: any SQLConnection, rowID: Int64, recordingID: String, size: Int64) {
        access = .connection(connection)
        self.rowID = rowID
        self.recordingID = recordingID
        self.size = size
        tail = []
    }

    public func read(at offset: Int64, count: Int) throws(FormatError) -> [UInt8] {
        guard offset >= 0, count > 0, offset < size else { return [] }
        let end = min(size, offset + Int64(count))
        var out: [UInt8] = []
        out.reserveCapacity(Int(end - offset))
        var position = offset
        while position < end {
            if position < cachedOffset || position >= cachedOffset + Int64(cached.count) {
                try fetch(containing: position)
            }
            let start = Int(position - cachedOffset)
            let stop = Int(min(end, cachedOffset + Int64(cached.count)) - cachedOffset)
            out.append(contentsOf: cached[start..<stop])
            position = cachedOffset + Int64(stop)
        }
        return out
    }

    private func fetch(containing position: Int64) throws(FormatError) {
        let storedEnd = size - Int64(tail.count)
        if position >= storedEnd {
            cachedOffset = storedEnd
            cached = tail
            return
        }
        let row: (Int64, Data)?
        let rowID = rowID
        func select(_ db: any SQLConnection) throws -> (Int64, Data)? {
            let statement = try db.cachedStatement(sql: "SELECT file_offset, bytes FROM chunks WHERE recording_id = ? AND file_offset <= ? ORDER BY file_offset DESC LIMIT 1")
            guard let r = try SQLRow.fetchOne(statement, arguments: [rowID, position]) else { return nil }
            return (r[0], r[1])
        }
        do {
            switch access {
            case .store(let store): row = try store.read(select)
            case .connection(let db): row = try select(db)
            }
        } catch {
            throw FormatError(.io, "Reading recording \(recordingID) from the catalog failed at byte \(position): \(error)", offset: position)
        }
        guard let (offset, data) = row, offset + Int64(data.count) > position else {
            throw FormatError(.io, "The catalog holds no bytes of recording \(recordingID) at byte \(position); its content is incomplete", offset: position)
        }
        cachedOffset = offset
        cached = [UInt8](data)
    }
}
