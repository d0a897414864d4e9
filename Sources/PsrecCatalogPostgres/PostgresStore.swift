import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
package import PsrecCatalog

/// Installs the PostgreSQL store in this process: a catalog named by a `postgres://` URL
/// opens through it. `psrec-net` calls it at start (and tests that open such catalogs).
public enum PostgresCatalogDriver {
    public static func install() {
        PostgresDriver.register { location, lockTimeoutSeconds, synchronousCommits in
            PostgresStore(location: location, lockTimeoutSeconds: lockTimeoutSeconds, synchronousCommits: synchronousCommits)
        }
    }
}

/// A catalog in a PostgreSQL database, through PostgresNIO's connections used from the
/// catalog's own (blocking) threads: every call waits on an `EventLoopFuture`, never on a
/// Swift concurrency task, so a caller on a dedicated thread cannot starve the cooperative
/// pool and a caller anywhere cannot deadlock it.
///
/// Write transactions take one transaction-scoped advisory lock (`pg_advisory_xact_lock`) before
/// anything else: writes to one catalog never interleave, as in SQLite, whichever server
/// makes them, so the catalog's code reads what it is about to change without races. Reads
/// run in `REPEATABLE READ READ ONLY` transactions: one snapshot each, as SQLite gives.
final class PostgresStore: PostgresCatalogStore, @unchecked Sendable {
    var dialect: SQLDialect { .postgresql }
    let location: PostgresLocation
    let lockTimeoutMilliseconds: Int
    let synchronousCommits: Bool
    private let pool: PostgresConnectionPool

    /// The advisory lock key every write transaction takes ("psrec" in ASCII).
    static let writeLockKey: Int64 = 0x7073_7265_63

    init(location: PostgresLocation, lockTimeoutSeconds: Double, synchronousCommits: Bool, maxConnections: Int = 8) {
        self.location = location
        self.lockTimeoutMilliseconds = max(1, Int(lockTimeoutSeconds * 1000))
        self.synchronousCommits = synchronousCommits
        self.pool = PostgresConnectionPool(location: location, maxConnections: maxConnections)
    }

    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL READ COMMITTED") { connection in
            // One round trip: the lock wait's limit, then the lock (a select list is
            // evaluated in order), and for a server, commits that wait for the disk.
            let durable = synchronousCommits ? ", set_config('synchronous_commit', 'on', true)" : ""
            _ = try connection.rows(sql: "SELECT set_config('lock_timeout', '\(lockTimeoutMilliseconds)', true)\(durable), pg_advisory_xact_lock(\(Self.writeLockKey))",
                                    arguments: SQLArguments())
            return try body(connection)
        }
    }

    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body` between `begin` and COMMIT on one connection; a failure rolls back.
    /// The driver's errors become the catalog's sentences; the body's own pass through.
    private func transaction<T>(_ begin: String, _ body: (PostgresSQLConnection) throws -> T) throws -> T {
        do {
            return try pool.with { connection in
                try connection.execute(sql: begin)
                do {
                    let result = try body(connection)
                    try connection.execute(sql: "COMMIT")
                    return result
                } catch {
                    try? connection.execute(sql: "ROLLBACK")
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw PostgresSQLConnection.wrap(error, location: location.description)
        } catch is PostgresConnectionLost {
            throw PostgresSQLConnection.lost(location.description)
        }
    }

    /// Runs `body` on a connection outside any transaction (for `VACUUM`, which cannot run
    /// inside one).
    func outsideTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        do {
            return try pool.with { connection in try body(connection) }
        } catch let error as PSQLError {
            throw PostgresSQLConnection.wrap(error, location: location.description)
        } catch is PostgresConnectionLost {
            throw PostgresSQLConnection.lost(location.description)
        }
    }

    func close() { pool.close() }

    /// PostgresNIO requires every connection closed before it is released.
    deinit { pool.close() }
}

extension PostgresLocation {
    func configuration() throws(CatalogError) -> PostgresConnection.Configuration {
        if let socketFolder {
            return PostgresConnection.Configuration(unixSocketPath: socketFolder + "/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresConnection.Configuration.TLS
        if sslMode == "disable" {
            tls = .disable
        } else {
            var settings = TLSConfiguration.makeClientConfiguration()
            switch sslMode {
            case "verify-full": settings.certificateVerification = .fullVerification
            case "verify-ca": settings.certificateVerification = .noHostnameVerification
            default: settings.certificateVerification = .none
            }
            if let sslRootCertificate { settings.trustRoots = .file(sslRootCertificate) }
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(configuration: settings)
            } catch {
                throw CatalogError(.cannotOpen, "The TLS settings for \(description) cannot be used: \(CatalogError.clause(String(describing: error))).")
            }
            tls = ["allow", "prefer"].contains(sslMode) ? .prefer(context) : .require(context)
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

/// A few connections shared by the threads of one process, each used by one thread at a
/// time; a connection that failed is closed rather than returned.
final class PostgresConnectionPool: @unchecked Sendable {
    let location: PostgresLocation
    let maxConnections: Int
    private let condition = NSCondition()
    private var idle: [PostgresSQLConnection] = []
    private var open = 0
    private var closed = false
    private var nextID = 0
    static let logger = Logger(label: "psrec.catalog.postgres")

    init(location: PostgresLocation, maxConnections: Int) {
        self.location = location
        self.maxConnections = maxConnections
    }

    func with<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        let connection = try acquire()
        do {
            let result = try body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    private func acquire() throws -> PostgresSQLConnection {
        condition.lock()
        while true {
            if closed { condition.unlock(); throw CatalogError(.database, "The catalog \(location.description) is closed.") }
            if let connection = idle.popLast() {
                // One the server closed while it waited here (a terminated backend) is let go.
                if connection.connection.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return connection
            }
            if open < maxConnections { break }
            condition.wait()
        }
        open += 1
        nextID += 1
        let id = nextID
        condition.unlock()
        do {
            let configuration = try location.configuration()
            let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
            let connection = try PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: Self.logger).wait()
            return PostgresSQLConnection(connection)
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw PostgresSQLConnection.wrap(error, location: location.description, opening: true)
        }
    }

    private func release(_ connection: PostgresSQLConnection) {
        condition.lock()
        if connection.broken || closed || connection.connection.isClosed {
            open -= 1
            condition.signal()
            condition.unlock()
            _ = try? connection.connection.close().wait()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    func close() {
        condition.lock()
        closed = true
        let connections = idle
        idle = []
        open -= connections.count
        condition.broadcast()
        condition.unlock()
        for connection in connections { _ = try? connection.connection.close().wait() }
    }
}

/// A connection closed before its query was answered.
struct PostgresConnectionLost: Error {}

/// One PostgreSQL connection seen as an `SQLConnection`.
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    /// Set when a statement failed other than by the server refusing it: the connection's
    /// state is unknown, and the pool closes it.
    var broken = false
    private(set) var changesCount = 0
    private var cursors = 0
    var dialect: SQLDialect { .postgresql }

    /// The promise of the query in flight (one at a time: the connection is used by one
    /// thread), failed by the one handler on the connection's close.
    private let inFlight = NIOLockedValueBox<EventLoopPromise<PostgresQueryResult>?>(nil)

    init(_ connection: PostgresConnection) {
        self.connection = connection
        connection.closeFuture.whenComplete { [inFlight] _ in
            // Let a reply already on its way be delivered first.
            connection.eventLoop.execute {
                inFlight.withLockedValue { promise in
                    promise?.fail(PostgresConnectionLost())
                    promise = nil
                }
            }
        }
    }

    private func query(_ sql: String, _ arguments: SQLArguments) throws -> PostgresQueryResult {
        let translation = PostgresSQL.translate(sql)
        var binds = PostgresBindings(capacity: max(arguments.positional.count, translation.names.count))
        if translation.names.isEmpty {
            for value in arguments.positional { Self.bind(value, into: &binds) }
        } else {
            for name in translation.names {
                guard let value = arguments.named[name] else { preconditionFailure("No argument named \(name) for \(sql)") }
                Self.bind(value, into: &binds)
            }
        }
        do {
            let result = try waitUnlessClosed(connection.query(PostgresQuery(unsafeSQL: translation.sql, binds: binds), logger: PostgresConnectionPool.logger))
            changesCount = result.metadata.rows ?? 0
            return result
        } catch {
            if (error as? PSQLError)?.code != .server { broken = true }
            if ProcessInfo.processInfo.environment["PSREC_SQL_DEBUG"] != nil {
                FileHandle.standardError.write(Data("psrec: PostgreSQL refused \(translation.sql): \(String(reflecting: error))\n".utf8))
            }
            throw error
        }
    }

    /// Waits for `future`, or fails when the connection closes first: a query sent as the
    /// server ended the connection (`pg_terminate_backend`, a restart) was seen never to be
    /// answered, which left `import` waiting for ever. A statement may take long; a
    /// connection gone cannot answer.
    /// Nothing of a query outlives it here: the close handler is the connection's one,
    /// and it holds only the promise in flight.
    private func waitUnlessClosed(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        let promise = future.eventLoop.makePromise(of: PostgresQueryResult.self)
        inFlight.withLockedValue { $0 = promise }
        if connection.isClosed {
            inFlight.withLockedValue { pending in
                pending?.fail(PostgresConnectionLost())
                pending = nil
            }
        }
        future.whenComplete { [inFlight] result in
            inFlight.withLockedValue { pending in
                guard pending?.futureResult === promise.futureResult else { return }
                pending = nil
                promise.completeWith(result)
            }
        }
        return try promise.futureResult.wait()
    }

    /// The catalog's error for a connection the server closed.
    static func lost(_ location: String) -> CatalogError {
        CatalogError(.database, "The catalog \(location) lost its connection: the PostgreSQL server closed it; a change in progress was not stored, unless the connection closed as it was being committed.")
    }

    func execute(sql: String, arguments: SQLArguments) throws {
        if arguments.isEmpty && sql.contains(";") {
            // A script (a migration): one statement at a time.
            for statement in PostgresSQL.statements(sql) { _ = try query(statement, arguments) }
            return
        }
        _ = try query(sql, arguments)
    }

    func rows(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try query(sql, arguments).rows.map(Self.row)
    }

    func cursor(sql: String, arguments: SQLArguments) throws -> any SQLCursor {
        cursors += 1
        let name = "psrec_cursor_\(cursors)"
        try execute(sql: "DECLARE \(name) NO SCROLL CURSOR FOR \(sql)", arguments: arguments)
        return PostgresCursor(connection: self, name: name)
    }

    func cachedStatement(sql: String) throws -> SQLStatement {
        SQLStatement(connection: self, sql: sql)
    }

    static func bind(_ value: SQLValue, into binds: inout PostgresBindings) {
        switch value {
        case .null: binds.appendNull()
        case .integer(let integer): binds.append(integer)
        case .real(let real): binds.append(real)
        case .text(let text): binds.append(text)
        case .blob(let data): binds.append(ByteBuffer(bytes: data))
        }
    }

    static func row(_ row: PostgresRow) -> SQLRow {
        var names: [String] = []
        var values: [SQLValue] = []
        names.reserveCapacity(row.count)
        values.reserveCapacity(row.count)
        for cell in row {
            names.append(cell.columnName)
            values.append(value(cell))
        }
        return SQLRow(names: names, values: values)
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .numeric:
            guard let decimal = try? cell.decode(Decimal.self) else { return .null }
            let number = NSDecimalNumber(decimal: decimal)
            if decimal == Decimal(number.int64Value) { return .integer(number.int64Value) }
            return .real(number.doubleValue)
        case .bytea:
            guard var buffer = cell.bytes else { return .null }
            return .blob(Data(buffer.readBytes(length: buffer.readableBytes) ?? []))
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }

    /// The catalog's error for a PostgreSQL failure.
    static func wrap(_ error: any Error, location: String, opening: Bool = false) -> CatalogError {
        if let error = error as? CatalogError { return error }
        guard let error = error as? PSQLError else {
            return CatalogError(.database, "The catalog \(location) reported an error: \(CatalogError.clause(String(describing: error))).")
        }
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message] ?? String(describing: error.code)
        switch state {
        case "53100", "53200", "53300", "54000":
            return CatalogError(.storageFull, "The catalog \(location) cannot grow: the PostgreSQL server said \(CatalogError.clause(message)); nothing of this change was stored.")
        case "55P03", "57014", "40P01":
            return CatalogError(.busy, "The catalog \(location) is busy: another server or process held it longer than this command waits; try again when it has finished.")
        case "28P01", "28000":
            return CatalogError(.cannotOpen, "The catalog \(location) cannot be opened: the PostgreSQL server refused the login (\(CatalogError.clause(message))).")
        case "3D000":
            return CatalogError(.catalogMissing, "The catalog \(location) does not exist: the PostgreSQL server has no such database.")
        default:
            break
        }
        if error.code != .server {
            let reason = error.underlying.map { String(describing: $0) } ?? error.code.description
            let verb = opening ? "cannot be reached" : "lost its connection"
            return CatalogError(opening ? .cannotOpen : .database, "The catalog \(location) \(verb): \(CatalogError.clause(reason)); nothing of this change was stored.")
        }
        if opening {
            return CatalogError(.cannotOpen, "The catalog \(location) cannot be opened: \(CatalogError.clause(message)).")
        }
        return CatalogError(.database, "The catalog \(location) reported an error: \(CatalogError.clause(message)).")
    }
}

/// A server-side cursor read 256 rows at a time.
final class PostgresCursor: SQLCursor {
    let connection: PostgresSQLConnection
    let name: String
    private var buffered: [SQLRow] = []
    private var position = 0
    private var finished = false

    init(connection: PostgresSQLConnection, name: String) {
        self.connection = connection
        self.name = name
    }

    func next() throws -> SQLRow? {
        if position == buffered.count {
            if finished { return nil }
            buffered = try connection.rows(sql: "FETCH 256 FROM \(name)", arguments: SQLArguments())
            position = 0
            if buffered.count < 256 {
                finished = true
                try connection.execute(sql: "CLOSE \(name)")
            }
            if buffered.isEmpty { return nil }
        }
        position += 1
        return buffered[position - 1]
    }
}
