import Foundation
import GRDB
import PsrecFormat

/// What differs between the catalog's two engines, beside the stores themselves (`Store/`):
/// the full-text index, sizes and space reclaiming, the list of a table's columns, and the
/// PostgreSQL schema. Everything else is written once.
///
/// Full-text search: SQLite's contentless FTS5 table `terminal_text_fts` (rowid =
/// `terminal_text.id`), queried with a quoted phrase; PostgreSQL's `terminal_text_fts` table
/// of `tsvector`s (`to_tsvector('simple', text)`, GIN-indexed), queried with
/// `phraseto_tsquery('simple', words)`. Both find the words of the search in that order,
/// case-insensitively, whatever lies between them.
extension Catalog {
    /// FROM items and a WHERE condition giving the `terminal_text` rows `t` whose text holds
    /// the phrase given by `parameter` (a `?` or a `:name`; its value is `textQuery`).
    static func textMatch(_ dialect: SQLDialect, parameter: String) -> String {
        switch dialect {
        case .sqlite:
            "terminal_text_fts JOIN terminal_text t ON t.id = terminal_text_fts.rowid WHERE terminal_text_fts MATCH \(parameter)"
        case .postgresql:
            "terminal_text_fts f JOIN terminal_text t ON t.id = f.id WHERE f.words @@ phraseto_tsquery('simple', \(parameter))"
        }
    }

    /// The value of `textMatch`'s parameter for `text`: its words, in order; empty when it
    /// has no letter or digit. For FTS5 each word is inside one quoted phrase, so that no
    /// FTS5 operator in the text takes effect (https://www.sqlite.org/fts5.html#fts5_strings);
    /// `phraseto_tsquery` reads no operators.
    static func textQuery(_ dialect: SQLDialect, _ text: String) -> String {
        let words = text.split { !($0.isLetter || $0.isNumber) }
        guard !words.isEmpty else { return "" }
        switch dialect {
        case .sqlite: return "\"" + words.joined(separator: " ") + "\""
        case .postgresql: return words.joined(separator: " ")
        }
    }

    /// The ID of the first matching `terminal_text` row of each recording in `ids` (a list
    /// of recording IDs written into the statement), with the phrase as the one parameter.
    static func firstTextMatches(_ dialect: SQLDialect, ids: String) -> String {
        switch dialect {
        case .sqlite:
            // SQLite gives the bare column t.id of the row where min() found its value.
            "SELECT t.id, min(t.time_us) FROM \(textMatch(dialect, parameter: "?")) AND t.recording_id IN (\(ids)) GROUP BY t.recording_id"
        case .postgresql:
            "SELECT DISTINCT ON (t.recording_id) t.id FROM \(textMatch(dialect, parameter: "?")) AND t.recording_id IN (\(ids)) ORDER BY t.recording_id, t.time_us, t.id"
        }
    }

    /// A statement adding one row's text to the index: its arguments are the row's ID, the
    /// recording's ID and the text.
    static func textIndexInsert(_ db: any SQLConnection) throws -> SQLStatement {
        switch db.dialect {
        // FTS5 needs no recording ID: ?2 is left unused.
        case .sqlite: try db.cachedStatement(sql: "INSERT INTO terminal_text_fts (rowid, text) VALUES (?1, ?3)")
        case .postgresql: try db.cachedStatement(sql: "INSERT INTO terminal_text_fts (id, recording_id, words) VALUES (?, ?, to_tsvector('simple', ?))")
        }
    }

    /// The text as the index is given it: as it is for FTS5, whose tokenizer splits at
    /// every character that is not a letter or digit; for PostgreSQL with every such
    /// character made a space, so that its parser finds the words a search splits its text
    /// into (it would otherwise index `/tmp/alice` or `a-b` as single lexemes, which a
    /// search for "tmp alice" could never match).
    static func indexedText(_ dialect: SQLDialect, _ text: String) -> String {
        guard dialect == .postgresql else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? $0 : " " })
        return String(scalars)
    }

    /// Removes a recording's rows from the text index, before its `terminal_text` rows go.
    /// A contentless FTS5 table removes a row only given its text, which is decompressed
    /// from `terminal_text`; PostgreSQL deletes by recording.
    static func textIndexDelete(_ db: any SQLConnection, recording rowID: Int64) throws {
        switch db.dialect {
        case .sqlite:
            let rows = try SQLRow.fetchCursor(db, sql: "SELECT id, text_length, text_zstd FROM terminal_text WHERE recording_id = ?", arguments: [rowID])
            let remove = try db.cachedStatement(sql: "INSERT INTO terminal_text_fts (terminal_text_fts, rowid, text) VALUES ('delete', ?, ?)")
            let compressor = Compressor()
            while let row = try rows.next() {
                let packed = row["text_zstd"] as Data
                let text = try packed.withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: row["text_length"]) }
                try remove.execute(arguments: [row["id"] as Int64, String(decoding: text, as: UTF8.self)])
            }
        case .postgresql:
            try db.execute(sql: "DELETE FROM terminal_text_fts WHERE recording_id = ?", arguments: [rowID])
        }
    }

    /// Columns of the `recordings` table (with SQLite's generated time columns), in order.
    public func recordingColumns() throws(CatalogError) -> [String] {
        try read { db in
            switch db.dialect {
            case .sqlite:
                try SQLRow.fetchAll(db, sql: "PRAGMA table_xinfo(recordings)").map { $0["name"] as String }
            case .postgresql:
                try String.fetchAll(db, sql: """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'recordings' ORDER BY ordinal_position
                    """)
            }
        }
    }

    /// Bytes the catalog takes: the SQLite file's pages in use, or the PostgreSQL database's
    /// size (`pg_database_size`).
    public func fileBytes() throws(CatalogError) -> Int64 {
        try read { db in try Self.sizes(db).used }
    }

    /// Bytes in use and free (SQLite's free pages; PostgreSQL reports none), and per table.
    static func sizes(_ db: any SQLConnection, tables: Bool = false) throws -> (used: Int64, free: Int64, tables: [(String, Int64)]) {
        switch db.dialect {
        case .sqlite:
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            var sizes: [(String, Int64)] = []
            if tables, let rows = try? SQLRow.fetchAll(db, sql: "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC") {
                sizes = rows.map { ($0["name"], $0["bytes"]) }
            }
            return (pages * pageSize, free * pageSize, sizes)
        case .postgresql:
            let used = try Int64.fetchOne(db, sql: "SELECT pg_database_size(current_database())") ?? 0
            var sizes: [(String, Int64)] = []
            if tables {
                sizes = try SQLRow.fetchAll(db, sql: """
                    SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
                    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' ORDER BY bytes DESC, name
                    """).map { ($0["name"], $0["bytes"]) }
            }
            return (used, 0, sizes)
        }
    }

    /// Returns free space: SQLite merges the full-text index (so that the entries of deleted
    /// text stop taking space, https://www.sqlite.org/fts5.html#the_optimize_command) and
    /// gives free pages back to the file system. On PostgreSQL a plain `VACUUM` of the tables
    /// that hold content makes the space of deleted rows reusable at once (and gives back
    /// empty pages at the end of a table), without the exclusive lock of `VACUUM FULL`, which
    /// would stop every server's ingest: the database does not shrink otherwise.
    public func reclaimSpace() throws(CatalogError) {
        if let postgres = store as? any PostgresCatalogStore {
            do {
                try postgres.outsideTransaction { db in
                    try db.execute(sql: "VACUUM recordings, chunks, indicators, terminal_text, terminal_text_fts, terminal_keyframes")
                }
            } catch {
                throw Self.wrap(error, path: path)
            }
            return
        }
        guard let sqlite = store as? SQLiteStore else { return }
        do {
            try sqlite.writer.writeWithoutTransaction { db in
                try db.execute(sql: "INSERT INTO terminal_text_fts (terminal_text_fts) VALUES ('optimize')")
                let mode = try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0
                if mode == 2 {
                    try db.execute(sql: "PRAGMA incremental_vacuum")
                } else {
                    try db.execute(sql: "VACUUM")
                }
            }
        } catch {
            throw Self.wrap(error, path: path)
        }
    }
}
