import Foundation
public import PsrecFormat

/// One keyframe of a terminal recording: the screen at a place in its events, as bytes that
/// draw it again on a fresh terminal (`TerminalScreen.snapshot()`), and where the events go
/// on from there.
///
/// ```
///  chunk at chunk_offset: [ e0 e1 e2 | e3 e4 … ]   event_index = 3
///                                   ^ the snapshot holds e0…e2 and everything before;
///                                     time_us is e3's time (the first event not in it)
/// ```
public struct TerminalKeyframe: Sendable, Equatable {
    /// Session time of the first event not drawn in the snapshot (every event drawn in it is
    /// at this time or before).
    public var timeMicros: Int64
    /// File offset of the EVENTS chunk the events resume in.
    public var chunkOffset: Int64
    /// Events of that chunk already drawn in the snapshot.
    public var eventIndex: Int
    /// The screen's size at that place.
    public var columns: Int
    public var rows: Int
    /// Bytes that draw the screen on a fresh terminal of `columns` × `rows` (empty in a list
    /// read without them).
    public var snapshot: [UInt8]

    public init(timeMicros: Int64, chunkOffset: Int64, eventIndex: Int, columns: Int, rows: Int, snapshot: [UInt8]) {
        self.timeMicros = timeMicros
        self.chunkOffset = chunkOffset
        self.eventIndex = eventIndex
        self.columns = columns
        self.rows = rows
        self.snapshot = snapshot
    }
}

/// The terminal keyframes of a recording (`terminal_keyframes`) and how much of its content
/// they were built from (`terminal_keyframe_builds`): what the web player seeks with. They
/// derive from the content alone; the rows go with the recording (`ON DELETE CASCADE`).
extension Catalog {
    /// The keyframes of `recording` in order, without their snapshots.
    public func keyframes(of recording: CatalogRecording) throws(CatalogError) -> [TerminalKeyframe] {
        try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT time_us, chunk_offset, event_index, columns, rows FROM terminal_keyframes
                WHERE recording_id = ? ORDER BY ordinal
                """, arguments: [recording.rowID]).map { row in
                TerminalKeyframe(timeMicros: row["time_us"], chunkOffset: row["chunk_offset"], eventIndex: row["event_index"],
                                 columns: row["columns"], rows: row["rows"], snapshot: [])
            }
        }
    }

    /// The last keyframe of `recording` at or before session time `micros`, with its
    /// snapshot; nil when it has none there.
    public func keyframe(of recording: CatalogRecording, atOrBeforeMicros micros: Int64) throws(CatalogError) -> TerminalKeyframe? {
        try keyframe(recording, where: "time_us <= ? ORDER BY ordinal DESC", micros)
    }

    /// The last keyframe of `recording`, with its snapshot; nil when it has none.
    public func lastKeyframe(of recording: CatalogRecording) throws(CatalogError) -> TerminalKeyframe? {
        try keyframe(recording, where: "1 = 1 ORDER BY ordinal DESC", nil)
    }

    private func keyframe(_ recording: CatalogRecording, where condition: String, _ argument: Int64?) throws(CatalogError) -> TerminalKeyframe? {
        let row = try read { db in
            try SQLRow.fetchOne(db, sql: """
                SELECT time_us, chunk_offset, event_index, columns, rows, snapshot_length, snapshot_zstd FROM terminal_keyframes
                WHERE recording_id = ? AND \(condition) LIMIT 1
                """, arguments: SQLArguments([recording.rowID] + (argument.map { [$0] } ?? [])))
        }
        guard let row else { return nil }
        let packed = row["snapshot_zstd"] as Data
        let length: Int = row["snapshot_length"]
        let snapshot: [UInt8]
        do {
            snapshot = try packed.withUnsafeBytes { raw throws(FormatError) in
                try Compressor().decompress(raw, codec: .zstd, decodedLength: length)
            }
        } catch {
            throw CatalogError(.database, "A keyframe of recording \(recording.uuid) in the catalog \(path) cannot be decompressed (\(String(describing: error))); delete its keyframes to have them built again.")
        }
        return TerminalKeyframe(timeMicros: row["time_us"], chunkOffset: row["chunk_offset"], eventIndex: row["event_index"],
                                columns: row["columns"], rows: row["rows"], snapshot: snapshot)
    }

    /// How many bytes of `recording`'s content its keyframes were built from; nil before a
    /// first build.
    public func keyframeContentBytes(of recording: CatalogRecording) throws(CatalogError) -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT content_bytes FROM terminal_keyframe_builds WHERE recording_id = ?", arguments: [recording.rowID])
        }
    }

    /// Stores keyframes built from the first `contentBytes` bytes of `recording`'s content,
    /// in one transaction: those after `keptCount` are replaced by `keyframes` (a build that
    /// resumes from the last keyframe keeps the ones before it). The keyframes are
    /// compressed here (zstd).
    /// - Throws: `.notFound` when the recording was deleted meanwhile (nothing is stored).
    public func storeKeyframes(_ keyframes: [TerminalKeyframe], of recording: CatalogRecording, keptCount: Int,
                               contentBytes: Int64) throws(CatalogError) {
        let compressor = Compressor()
        var packed: [Data] = []
        do {
            for keyframe in keyframes {
                packed.append(Data(try keyframe.snapshot.withUnsafeBytes { raw throws(FormatError) in
                    try compressor.compress(raw, codec: .zstd, level: 3)
                }))
            }
        } catch {
            throw CatalogError(.database, "The keyframes of recording \(recording.uuid) could not be compressed: \(String(describing: error)).")
        }
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM recordings WHERE id = ?", arguments: [recording.rowID]) == true else {
                throw CatalogError(.notFound, "Recording \(recording.uuid) is no longer in the catalog \(self.path); its keyframes were not stored.")
            }
            try db.execute(sql: "DELETE FROM terminal_keyframes WHERE recording_id = ? AND ordinal >= ?", arguments: [recording.rowID, keptCount])
            let insert = try db.cachedStatement(sql: """
                INSERT INTO terminal_keyframes (recording_id, ordinal, time_us, chunk_offset, event_index, columns, rows, snapshot_length, snapshot_zstd)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for (i, keyframe) in keyframes.enumerated() {
                try insert.execute(arguments: [recording.rowID, keptCount + i, keyframe.timeMicros, keyframe.chunkOffset, keyframe.eventIndex,
                                               keyframe.columns, keyframe.rows, keyframe.snapshot.count, packed[i]])
            }
            try db.execute(sql: """
                INSERT INTO terminal_keyframe_builds (recording_id, content_bytes) VALUES (?, ?)
                ON CONFLICT (recording_id) DO UPDATE SET content_bytes = excluded.content_bytes
                """, arguments: [recording.rowID, contentBytes])
        }
    }

    /// The number of keyframes of `recording`.
    public func keyframeCount(of recording: CatalogRecording) throws(CatalogError) -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_keyframes WHERE recording_id = ?", arguments: [recording.rowID]) ?? 0
        }
    }
}
