import Foundation

/// A PostgreSQL catalog's address, as libpq users write it: `postgres://user:password@host:port/db?sslmode=…`
/// (or `postgresql://`), with `host=/socket/folder` for a Unix socket; the password, when the
/// URL has none, from `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`).
/// https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING
public struct PostgresLocation: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The folder of the server's Unix socket, instead of a TCP host.
    public var socketFolder: String?
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: String
    public var sslRootCertificate: String?

    /// Whether `text` names a PostgreSQL catalog rather than a file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `url`. - Throws: `.cannotOpen` with a sentence saying what is wrong.
    public init(url: String, environment: [String: String]? = nil) throws(CatalogError) {
        let environment = environment ?? ProcessInfo.processInfo.environment
        guard Self.isURL(url), let components = URLComponents(string: url) else {
            throw CatalogError(.cannotOpen, "\(Self.redacted(url)) is not a PostgreSQL URL; write postgres://USER@HOST:PORT/DATABASE.")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        let known: Set<String> = ["sslmode", "sslrootcert", "host", "port", "user", "password", "dbname", "connect_timeout", "application_name"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw CatalogError(.cannotOpen, "The PostgreSQL URL has a parameter psrec does not know: \(unknown); known are \(known.sorted().joined(separator: ", ")).")
        }
        let hostParameter = query["host"] ?? (components.host.flatMap { $0.isEmpty ? nil : $0 }) ?? environment["PGHOST"] ?? "localhost"
        if hostParameter.hasPrefix("/") {
            socketFolder = hostParameter
            host = "localhost"
        } else {
            socketFolder = nil
            host = hostParameter
        }
        let portText = query["port"] ?? components.port.map(String.init) ?? environment["PGPORT"] ?? "5432"
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw CatalogError(.cannotOpen, "The PostgreSQL port \(portText) is not a number from 1 to 65535.")
        }
        self.port = port
        user = query["user"] ?? (components.user.flatMap { $0.isEmpty ? nil : $0 }) ?? environment["PGUSER"] ?? environment["USER"] ?? "postgres"
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        database = query["dbname"] ?? (path.isEmpty ? nil : path) ?? environment["PGDATABASE"] ?? user
        sslMode = query["sslmode"] ?? environment["PGSSLMODE"] ?? "prefer"
        guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
            throw CatalogError(.cannotOpen, "sslmode=\(sslMode) is not one of disable, allow, prefer, require, verify-ca, verify-full.")
        }
        sslRootCertificate = query["sslrootcert"] ?? environment["PGSSLROOTCERT"]
        password = query["password"] ?? components.password ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment).flatMap { Self.lookUp($0, host: socketFolder ?? host, port: port, database: database, user: user) }
    }

    /// The URL with its password hidden, for messages and the audit log.
    public var description: String {
        "postgres://\(user)@\(socketFolder.map { "[\($0)]" } ?? host):\(port)/\(database)"
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "The PostgreSQL URL" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "The PostgreSQL URL"
    }

    private static func passwordFile(_ environment: [String: String]) -> String? {
        let path = environment["PGPASSFILE"] ?? environment["HOME"].map { $0 + "/.pgpass" }
        guard let path else { return nil }
        // libpq ignores a password file others can read; so does psrec.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o077 == 0 else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// The password of the first line of a `.pgpass` file matching the connection
    /// (`host:port:database:user:password`, `*` matching anything, `\` escaping `:` and `\`).
    static func lookUp(_ file: String, host: String, port: Int, database: String, user: String) -> String? {
        for line in file.split(separator: "\n", omittingEmptySubsequences: true) where !line.hasPrefix("#") {
            var fields: [String] = [""]
            var escaped = false
            for c in line {
                if escaped { fields[fields.count - 1].append(c); escaped = false }
                else if c == "\\" { escaped = true }
                else if c == ":" && fields.count < 5 { fields.append("") }
                else { fields[fields.count - 1].append(c) }
            }
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}
