import Foundation
public import GRDB

/// A catalog of recordings: their metadata, indicators, terminal text and content, who may
/// see them, and an audit log.
///
/// The catalog is one SQLite file that the `sqlite3` shell can open and query (the embedded
/// default), or a PostgreSQL database that several servers share (`--db postgres://…`).
/// Its schema is described in `Catalog+Schema.swift` and created by named migrations, the
/// same names for both engines. Every change is a transaction: a crash leaves the catalog as
/// it was before the change. The catalog's code is written once; what differs between the
/// engines is in `Store/` and `Catalog+Engine.swift`.
///
/// See <https://www.sqlite.org/lang_transaction.html> and <https://www.sqlite.org/fts5.html>.
public final class Catalog {
    /// Where the rows are.
    let store: any CatalogStore
    /// Which engine holds the catalog.
    public var dialect: SQLDialect { store.dialect }
    /// A SQLite catalog's connections: one serial connection (a `DatabaseQueue`), or with
    /// `concurrentReads` in WAL mode one writer and readers beside it (a `DatabasePool`), so
    /// that in a server a search, a view or a file check never waits for a write, nor a write
    /// for them. A catalog that cannot be switched to WAL (another process holds it in
    /// rollback mode) always gets one serial connection. For tests and tools that look at a
    /// SQLite catalog's file directly; a PostgreSQL catalog has none (a precondition).
    public var database: any DatabaseWriter {
        guard let sqlite = store as? SQLiteStore else { preconditionFailure("The catalog \(path) is on PostgreSQL; it has no SQLite connection.") }
        return sqlite.writer
    }
    /// Path of the catalog file, for messages.
    public let path: String
    /// The EVENTS chunks live ingest checked, for completing their recordings.
    let ingestChecked = IngestCheckMemory()

    /// How long a write waits for another process's transaction (an import, an index, a
    /// prune) before giving up with `CatalogError.busy`, unless `init` is told otherwise.
    public static let defaultBusyTimeoutSeconds: Double = 120

    /// Opens the catalog at `path`, creating it when `create` is true, and brings its schema
    /// up to date.
    ///
    /// A new catalog is created owner-only (mode 0600, whatever the umask); SQLite gives its
    /// `-wal`, `-shm` and `-journal` files the database file's mode. An existing catalog's
    /// mode is left as it is. The catalog is kept in WAL mode, so readers never wait for a
    /// writer and a writer never waits for readers; writers wait for each other up to
    /// `busyTimeoutSeconds` (https://www.sqlite.org/wal.html).
    ///
    /// With `synchronousCommits`, every connection runs `PRAGMA synchronous = FULL`: a
    /// transaction that has committed has also been written to the disk (the WAL file is
    /// synced at each commit), so a commit can be acknowledged to someone who then deletes
    /// their copy. Without it SQLite's compiled-in default applies, which in WAL mode may
    /// lose the last commits on a power failure, never the catalog's consistency
    /// (https://www.sqlite.org/pragma.html#pragma_synchronous).
    /// - Parameters:
    ///   - busyTimeoutSeconds: how long a statement waits for a lock held by another
    ///     connection before failing with `.busy`.
    ///   - synchronousCommits: sync the disk at every commit.
    ///   - concurrentReads: readers beside the writer (a server); each reader has a page
    ///     cache of its own, which one-shot commands do without.
    /// - Throws: `CatalogError.cannotOpen` when the file is missing (and `create` is false),
    ///   is not a SQLite database, or is a SQLite database of something else; `.busy` when
    ///   another process holds the catalog longer than `busyTimeoutSeconds`.
    public init(path: String, create: Bool = false, busyTimeoutSeconds: Double = Catalog.defaultBusyTimeoutSeconds,
                synchronousCommits: Bool = false, concurrentReads: Bool = false) throws(CatalogError) {
        if PostgresLocation.isURL(path) {
            let location = try PostgresLocation(url: path)
            self.path = location.description
            let store = try PostgresDriver.open(location, lockTimeoutSeconds: busyTimeoutSeconds, synchronousCommits: synchronousCommits)
            self.store = store
            do {
                try Self.migratePostgres(store, path: location.description, create: create)
            } catch {
                store.close()
                throw error
            }
            return
        }
        self.path = path
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw CatalogError(.catalogMissing, "The catalog \(path) does not exist.")
        }
        if !exists { try Self.createOwnerOnly(path) }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeoutSeconds)
        // An empty file is a catalog being created (here or by a process racing this one).
        let fresh = ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0) == 0
        configuration.prepareDatabase { db in
            // Both only take effect on a new, empty file, and are set only there: setting
            // auto_vacuum takes the write lock, which would make every open wait for
            // another process's import. Most of a catalog is chunk blobs of
            // tens of kilobytes: 16 KiB pages store them in a quarter of the pages (and
            // writes) that 4 KiB pages take, which made importing a third faster
            // (https://www.sqlite.org/pragma.html#pragma_page_size). Prune gives space back
            // with incremental_vacuum (https://www.sqlite.org/pragma.html#pragma_auto_vacuum).
            if fresh && !db.configuration.readonly {
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            }
            // WAL is persistent: set once (after the page size, which WAL fixes), it holds for
            // every later connection. A catalog made before WAL is switched when nobody else
            // has it open; until then it keeps working in rollback mode.
            // The switch needs the file to itself: it is tried without waiting (busy_timeout
            // 0, then back to the configured wait), never holding up the command.
            if !db.configuration.readonly, try String.fetchOne(db, sql: "PRAGMA journal_mode") != "wal" {
                try db.execute(sql: "PRAGMA busy_timeout = 0")
                _ = try? String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA busy_timeout = \(Int(busyTimeoutSeconds * 1000))")
            }
            if synchronousCommits { try db.execute(sql: "PRAGMA synchronous = FULL") }
        }
        do {
            let database = try Self.connect(path, configuration, pool: concurrentReads)
            store = SQLiteStore(writer: database)
            // Reading first: a catalog whose schema is up to date is opened without taking the
            // write lock, so opening never waits for another process's import.
            let current = try database.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
                if !tables.isEmpty && !tables.contains("grdb_migrations") {
                    throw CatalogError(.cannotOpen, "\(path) is a SQLite database but not a psrec catalog (it has other tables and no psrec schema).")
                }
                return try Self.migrator.hasCompletedMigrations(db)
            }
            if !current { try Self.migrator.migrate(database) }
        } catch let error as CatalogError {
            throw error
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_NOTADB {
                throw CatalogError(.cannotOpen, "\(path) is not a SQLite database.")
            }
            throw Self.wrap(error, path: path, opening: true)
        } catch {
            throw CatalogError(.cannotOpen, "The catalog \(path) cannot be opened: \(CatalogError.clause(String(describing: error))).")
        }
    }

    /// With `pool`, a pool of connections when the catalog is (or could be switched to) WAL
    /// mode; else one serial connection.
    private static func connect(_ path: String, _ configuration: Configuration, pool: Bool) throws -> any DatabaseWriter {
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        guard pool, try queue.read({ db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }) == "wal" else { return queue }
        try queue.close()
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// Creates an empty catalog file readable and writable by its owner only, so that no
    /// other local user can read recordings with the `sqlite3` shell; `O_EXCL` because
    /// another process may create it at the same moment, `O_NOFOLLOW` so that a planted
    /// symlink is not followed.
    private static func createOwnerOnly(_ path: String) throws(CatalogError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if fd >= 0 {
            // open(2) applies the umask, which can only remove bits: 0600 or less remains.
            _ = fchmod(fd, 0o600)
            close(fd)
            return
        }
        let failure = errno
        if failure == EEXIST {
            // Created meanwhile by someone else, or a symlink (which O_EXCL never follows):
            // one to an existing catalog is fine, a dangling one would have SQLite create
            // its target with the umask's mode.
            var status = stat()
            if stat(path, &status) == 0 { return }
            throw CatalogError(.cannotOpen, "The catalog \(path) is a symbolic link to a file that does not exist; create the catalog at the link's target, or remove the link.")
        }
        throw CatalogError(.cannotOpen, "The catalog \(path) cannot be created: \(String(cString: strerror(failure))).")
    }

    /// Runs `body` in one write transaction, turning the engine's errors into `CatalogError`.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws(CatalogError) -> T {
        do {
            return try store.write(body)
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    /// Runs `body` in one read transaction, turning the engine's errors into `CatalogError`.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws(CatalogError) -> T {
        do {
            return try store.read(body)
        } catch {
            throw Self.wrap(error, path: path)
        }
    }

    static func wrap(_ error: any Error, path: String, opening: Bool = false) -> CatalogError {
        if let error = error as? CatalogError { return error }
        // PostgreSQL's errors arrive as CatalogError already (the store in PsrecCatalogPostgres says them).
        if let error = error as? DatabaseError {
            if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                return CatalogError(.busy, "The catalog \(path) is busy: another process (an import, an index or a prune) held it longer than this command waits; try again when it has finished.")
            }
            if error.resultCode == .SQLITE_FULL {
                return CatalogError(.storageFull, "The catalog \(path) cannot grow because its disk is full (or it reached its page limit); nothing of this change was stored.")
            }
            if opening {
                return CatalogError(.cannotOpen, "The catalog \(path) cannot be opened: \(CatalogError.clause(error.message ?? "\(error.resultCode)")).")
            }
            return CatalogError(.database, "The catalog \(path) reported an error: \(CatalogError.clause(error.message ?? "\(error.resultCode)")).")
        }
        return CatalogError(.database, "The catalog \(path) reported an error: \(CatalogError.clause(String(describing: error))).")
    }

    /// Microseconds since 1970 now.
    static var nowMicros: Int64 { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }
}
