import Foundation
import GRDB
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// The catalog holds every recording: no other local user may read it with `sqlite3`.
@Suite("Catalog file modes")
struct CatalogFileModeTests {
    static func mode(_ path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    /// Imports a recording with `psrec import` run under `umask`, and returns the workspace.
    static func imported(umask: mode_t, existingMode: Int? = nil) throws -> Workspace {
        let ws = try Workspace()
        if let existingMode {
            _ = try ws.catalog()
            try FileManager.default.setAttributes([.posixPermissions: existingMode], ofItemAtPath: ws.dbPath)
        }
        try write(try recordingBytes(), to: ws.path("a.psrec"))
        let result = try MeasuredRun.run(["import", "--db", ws.dbPath, ws.path("a.psrec")], umask: umask)
        try #require(result.status == 0, "\(result.stderr)")
        return ws
    }

    @Test("a new catalog and its -wal and -shm files are owner-only, under umask 022 and 000", arguments: [0o022, 0o000] as [mode_t])
    func newCatalogIsOwnerOnly(umask: mode_t) throws {
        let ws = try Self.imported(umask: umask)
        #expect(try Self.mode(ws.dbPath) == 0o600)
        // While a connection uses it (here a search, which writes an audit row), the side
        // files exist: SQLite gives them the database file's mode.
        let c = try Catalog(path: ws.dbPath)
        _ = try c.search(RecordingQuery(), as: admin)
        for suffix in ["-wal", "-shm"] {
            #expect(FileManager.default.fileExists(atPath: ws.dbPath + suffix), "\(suffix)")
            #expect(try Self.mode(ws.dbPath + suffix) == 0o600, "\(suffix)")
        }
        #expect(try c.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        // And `psrec search` run by another process under a permissive umask changes nothing.
        #expect(try MeasuredRun.run(["search", "--db", ws.dbPath], umask: 0).status == 0)
        for suffix in ["", "-wal", "-shm"] { #expect(try Self.mode(ws.dbPath + suffix) == 0o600, "\(suffix)") }
    }

    @Test("a rollback journal, when one is used, is owner-only too")
    func journalIsOwnerOnly() throws {
        let ws = try Self.imported(umask: 0)
        let queue = try DatabaseQueue(path: ws.dbPath)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "INSERT INTO users (name, created_us) VALUES ('journal-test', 0)")
            // Spill to the file: the journal is written before the database pages are.
            try db.execute(sql: "PRAGMA cache_spill = 1")
            try db.execute(sql: "UPDATE recordings SET title = 'x'")
            #expect(FileManager.default.fileExists(atPath: ws.dbPath + "-journal"))
            #expect(try Self.mode(ws.dbPath + "-journal") == 0o600)
            try db.execute(sql: "COMMIT")
        }
    }

    @Test("an existing catalog's mode is kept, not loosened, and its side files follow it")
    func existingModeIsKept() throws {
        let ws = try Self.imported(umask: 0, existingMode: 0o640)
        #expect(try Self.mode(ws.dbPath) == 0o640)
        let c = try Catalog(path: ws.dbPath)
        _ = try c.search(RecordingQuery(), as: admin)
        #expect(try Self.mode(ws.dbPath + "-wal") == 0o640)
        #expect(try Self.mode(ws.dbPath + "-shm") == 0o640)
    }

    @Test("a catalog path that is a dangling symlink is not created through it")
    func danglingSymlinkIsNotFollowed() throws {
        let ws = try Workspace()
        let target = ws.path("elsewhere.db")
        try FileManager.default.createSymbolicLink(atPath: ws.dbPath, withDestinationPath: target)
        #expect(throws: CatalogError(.cannotOpen, "")) { try Catalog(path: ws.dbPath, create: true) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
