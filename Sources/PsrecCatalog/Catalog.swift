import Foundation
public import GRDB

/// A SQLite catalog of recordings: their metadata, indicators, terminal text and content,
/// who may see them, and an audit log.
///
/// The catalog is one SQLite file that the `sqlite3` shell can open and query; its schema is
/// described in `Catalog+Schema.swift` and created by named migrations. Every change is a
/// transaction: a crash leaves the catalog as it was before the change.
///
/// See <https://www.sqlite.org/lang_transaction.html> and <https://www.sqlite.org/fts5.html>.
public final class Catalog {
    /// The connection (a serial queue: one writer, no concurrency inside one process).
    public let database: DatabaseQueue
    /// Path of the catalog file, for messages.
    public let path: String

    /// Opens the catalog at `path`, creating it when `create` is true, and brings its schema
    /// up to date.
    /// - Throws: `CatalogError.cannotOpen` when the file is missing (and `create` is false),
    ///   is not a SQLite database, or is a SQLite database of something else.
    public init(path: String, create: Bool = false) throws(CatalogError) {
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw CatalogError(.cannotOpen, "The catalog \(path) does not exist; `psrec import --db \(path) FILE` creates it.")
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Both only take effect on a new, empty file. Most of a catalog is chunk blobs of
            // tens of kilobytes: 16 KiB pages store them in a quarter of the pages (and
            // writes) that 4 KiB pages take, which made importing a third faster
            // (https://www.sqlite.org/pragma.html#pragma_page_size). Prune gives space back
            // with incremental_vacuum (https://www.sqlite.org/pragma.html#pragma_auto_vacuum).
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if !tables.isEmpty && !tables.contains("grdb_migrations") {
                    throw CatalogError(.cannotOpen, "\(path) is a SQLite database but not a psrec catalog (it has other tables and no psrec schema).")
                }
            }
            try Self.migrator.migrate(database)
        } catch let error as CatalogError {
            throw error
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_NOTADB {
                throw CatalogError(.cannotOpen, "\(path) is not a SQLite database.")
            }
            throw CatalogError(.cannotOpen, "The catalog \(path) cannot be opened: \(error.message ?? "\(error.resultCode)").")
        } catch {
            throw CatalogError(.cannotOpen, "The catalog \(path) cannot be opened: \(error).")
        }
    }

    /// Runs `body` in one write transaction, turning SQLite errors into `CatalogError`.
    func write<T>(_ body: (Database) throws -> T) throws(CatalogError) -> T {
        do {
            return try database.write(body)
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// Runs `body` in one read transaction, turning SQLite errors into `CatalogError`.
    func read<T>(_ body: (Database) throws -> T) throws(CatalogError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    static func wrap(_ error: any Error, path: String) -> CatalogError {
        if let error = error as? CatalogError { return error }
        if let error = error as? DatabaseError {
            return CatalogError(.database, "The catalog \(path) reported an error: \(error.message ?? "\(error.resultCode)").")
        }
        return CatalogError(.database, "The catalog \(path) reported an error: \(error).")
    }

    /// Microseconds since 1970 now.
    static var nowMicros: Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
