import Foundation

/// Which engine holds a catalog: what differs between them is decided on this, in
/// `Catalog+Engine.swift` and the two stores, and nowhere else.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgresql
}

/// A connection inside one transaction, as the catalog's code sees it. The catalog writes
/// its statements once, in the SQL both engines accept (`?` or `:name` placeholders,
/// `INSERT OR IGNORE`, identifiers such as `user` unquoted); the PostgreSQL store rewrites
/// them into its own spelling (`PostgresSQL.translate`).
public protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    func execute(sql: String, arguments: SQLArguments) throws
    /// Every row of a query.
    func rows(sql: String, arguments: SQLArguments) throws -> [SQLRow]
    /// A query's rows one at a time, for results too large to hold (a recording's chunks).
    func cursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor
    /// Rows the last `execute` changed.
    var changesCount: Int { get }
    /// A statement prepared once per connection, for statements run many times in a loop.
    func cachedStatement(sql: String) throws -> SQLStatement
}

/// Rows read one at a time.
public protocol SQLCursor: AnyObject {
    func next() throws -> SQLRow?
}

/// A statement run several times with different arguments.
public final class SQLStatement {
    let connection: any SQLConnection
    let sql: String
    /// The SQLite store's prepared statement (a GRDB `Statement`), when there is one.
    let prepared: AnyObject?

    package init(connection: any SQLConnection, sql: String, prepared: AnyObject? = nil) {
        self.connection = connection
        self.sql = sql
        self.prepared = prepared
    }

    public func execute(arguments: SQLArguments = SQLArguments()) throws {
        if let store = connection as? any PreparedStatements {
            try store.execute(self, arguments: arguments)
        } else {
            try connection.execute(sql: sql, arguments: arguments)
        }
    }

    func rows(arguments: SQLArguments) throws -> [SQLRow] {
        if let store = connection as? any PreparedStatements {
            return try store.rows(self, arguments: arguments)
        }
        return try connection.rows(sql: sql, arguments: arguments)
    }
}

/// A connection that runs `SQLStatement`s from statements it prepared itself.
protocol PreparedStatements {
    func execute(_ statement: SQLStatement, arguments: SQLArguments) throws
    func rows(_ statement: SQLStatement, arguments: SQLArguments) throws -> [SQLRow]
}

extension SQLConnection {
    public func execute(sql: String) throws { try execute(sql: sql, arguments: SQLArguments()) }
}

extension SQLRow {
    static func fetchAll(_ db: any SQLConnection, sql: String, arguments: SQLArguments = SQLArguments()) throws -> [SQLRow] {
        try db.rows(sql: sql, arguments: arguments)
    }

    static func fetchOne(_ db: any SQLConnection, sql: String, arguments: SQLArguments = SQLArguments()) throws -> SQLRow? {
        try db.rows(sql: sql, arguments: arguments).first
    }

    static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> SQLRow? {
        try statement.rows(arguments: arguments).first
    }

    static func fetchCursor(_ db: any SQLConnection, sql: String, arguments: SQLArguments = SQLArguments()) throws -> any SQLCursor {
        try db.cursor(sql: sql, arguments: arguments)
    }
}

extension SQLValueConvertible {
    /// The first column of the first row, or nil when there is no row or it is NULL.
    static func fetchOne(_ db: any SQLConnection, sql: String, arguments: SQLArguments = SQLArguments()) throws -> Self? {
        guard let row = try db.rows(sql: sql, arguments: arguments).first, !row.values.isEmpty else { return nil }
        return Self.fromSQL(row.values[0])
    }

    static func fetchOne(_ statement: SQLStatement, arguments: SQLArguments = SQLArguments()) throws -> Self? {
        guard let row = try statement.rows(arguments: arguments).first, !row.values.isEmpty else { return nil }
        return Self.fromSQL(row.values[0])
    }

    /// The first column of every row, leaving out NULLs.
    static func fetchAll(_ db: any SQLConnection, sql: String, arguments: SQLArguments = SQLArguments()) throws -> [Self] {
        try db.rows(sql: sql, arguments: arguments).compactMap { $0.values.isEmpty ? nil : Self.fromSQL($0.values[0]) }
    }
}

/// Where a catalog's rows are kept: one SQLite file, or a PostgreSQL database.
package protocol CatalogStore: AnyObject, Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in one write transaction; write transactions of one catalog never
    /// interleave (SQLite's single writer; on PostgreSQL an advisory lock), so each sees
    /// every write committed before it.
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` in one read-only transaction that sees one snapshot.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Closes every connection.
    func close()
}
