import Foundation
import GRDB

/// The embedded engine: one SQLite file through GRDB (a `DatabaseQueue`, or with concurrent
/// reads a `DatabasePool`). Every write transaction is `BEGIN IMMEDIATE`: it takes the write
/// lock at once, waiting the busy timeout for another process's, instead of failing when a
/// read inside it later wants to write (https://www.sqlite.org/lang_transaction.html).
final class SQLiteStore: CatalogStore, @unchecked Sendable {
    let writer: any DatabaseWriter
    var dialect: SQLDialect { .sqlite }

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction(.immediate) {
                result = try body(SQLiteConnection(db))
                return .commit
            }
            return result!
        }
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try writer.read { db in try body(SQLiteConnection(db)) }
    }

    func close() {
        try? (writer as? DatabaseQueue)?.close()
        try? (writer as? DatabasePool)?.close()
    }
}

/// A GRDB `Database` seen as an `SQLConnection`.
final class SQLiteConnection: SQLConnection, PreparedStatements {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    init(_ db: Database) { self.db = db }

    func execute(sql: String, arguments: SQLArguments) throws {
        try db.execute(sql: sql, arguments: Self.arguments(arguments))
    }

    func rows(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map(Self.row)
    }

    func cursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor {
        SQLiteCursor(try Row.fetchCursor(db, sql: sql, arguments: Self.arguments(arguments)))
    }

    var changesCount: Int { db.changesCount }

    func cachedStatement(sql: String) throws -> SQLStatement {
        SQLStatement(connection: self, sql: sql, prepared: try db.cachedStatement(sql: sql))
    }

    func execute(_ statement: SQLStatement, arguments: SQLArguments) throws {
        try (statement.prepared as! Statement).execute(arguments: Self.arguments(arguments))
    }

    func rows(_ statement: SQLStatement, arguments: SQLArguments) throws -> [SQLRow] {
        try Row.fetchAll(statement.prepared as! Statement, arguments: Self.arguments(arguments)).map(Self.row)
    }

    static func arguments(_ arguments: SQLArguments) -> StatementArguments {
        if !arguments.named.isEmpty {
            return StatementArguments(arguments.named.mapValues(databaseValue))
        }
        return StatementArguments(arguments.positional.map(databaseValue))
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let integer): integer.databaseValue
        case .real(let real): real.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let data): data.databaseValue
        }
    }

    static func row(_ row: Row) -> SQLRow {
        SQLRow(names: Array(row.columnNames), values: row.databaseValues.map { value in
            switch value.storage {
            case .null: .null
            case .int64(let integer): .integer(integer)
            case .double(let real): .real(real)
            case .string(let text): .text(text)
            case .blob(let data): .blob(data)
            }
        })
    }
}

final class SQLiteCursor: SQLCursor {
    let rows: RowCursor
    init(_ rows: RowCursor) { self.rows = rows }
    func next() throws -> SQLRow? { try rows.next().map(SQLiteConnection.row) }
}
