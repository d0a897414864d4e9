import Foundation

/// Who may receive a streamed recording, or run retention, right now: one connection (or one
/// `prune`) at a time, recorded in the catalog's `leases` table and checked in the same
/// transaction as every write it covers. Several `psrec serve` processes on one PostgreSQL
/// catalog thus never interleave a recording's chunks: a server that went away (killed, its
/// machine lost) keeps its leases until they expire, after which another server's
/// connection takes them over, and the old connection, should it come back, stores nothing
/// more (its lease names another owner).
public struct CatalogLease: Sendable, Equatable {
    /// This holder: a server and its connection ("gw-1 pid 4242 a1b2c3 connection 7").
    public var owner: String
    /// The process the holder belongs to ("gw-1 pid 4242 a1b2c3"): a new connection of the
    /// same server takes over a recording from its older connection at once (the capture
    /// host reconnected, its old connection is dead or about to be).
    public var server: String
    /// How long the lease lasts when nothing renews it.
    public var seconds: Double

    public init(owner: String, server: String, seconds: Double) {
        self.owner = owner
        self.server = server
        self.seconds = seconds
    }

    /// The lease name of a recording's ingest.
    static func ingest(_ uuid: String) -> String { "ingest " + uuid }
    /// The lease name of retention (`prune`).
    static let retention = "retention"
}

extension Catalog {
    /// This process, as leases name it: "HOST pid N (a1b2c3)", the last part telling apart
    /// two processes that had one pid (a restart).
    public static let processIdentity: String = {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host.isEmpty ? "localhost" : host) pid \(getpid()) (\(UUID().uuidString.prefix(6).lowercased()))"
    }()

    /// Takes or renews `lease` on `name` in this transaction.
    ///
    /// Taken when nobody holds it, when it expired, when `lease.owner` holds it, or (with
    /// `supersedingOwnServer`) when another holder of the same server holds it.
    /// - Throws: `.leaseHeld` naming the holder and how long the lease still runs.
    static func claim(_ db: any SQLConnection, _ name: String, _ lease: CatalogLease, supersedingOwnServer: Bool, what: String) throws {
        let now = nowMicros
        let expires = now + Int64(lease.seconds * 1_000_000)
        if let held = try SQLRow.fetchOne(db, sql: "SELECT owner, server, expires_us FROM leases WHERE name = ?", arguments: [name]) {
            let owner: String = held["owner"]
            let server: String = held["server"]
            let until: Int64 = held["expires_us"]
            guard owner == lease.owner || until <= now || (supersedingOwnServer && server == lease.server) else {
                let seconds = max(1, Int(((until - now) + 999_999) / 1_000_000))
                throw CatalogError(.leaseHeld, "\(what) is held by \(owner) for \(seconds) s more (or until it lets go); try again then.")
            }
            try db.execute(sql: "UPDATE leases SET owner = ?, server = ?, taken_us = CASE WHEN owner = ? THEN taken_us ELSE ? END, expires_us = ? WHERE name = ?",
                           arguments: [lease.owner, lease.server, lease.owner, now, expires, name])
        } else {
            try db.execute(sql: "INSERT INTO leases (name, owner, server, taken_us, expires_us) VALUES (?, ?, ?, ?, ?)",
                           arguments: [name, lease.owner, lease.server, now, expires])
        }
    }

    /// Lets go of every lease `owner` holds (a connection that ended, a `prune` done).
    public func releaseLeases(owner: String) throws(CatalogError) {
        try write { db in try db.execute(sql: "DELETE FROM leases WHERE owner = ?", arguments: [owner]) }
    }

    /// Renews every lease that holders of `server` hold (its open connections), for
    /// `seconds` more; what a running server does well within each lease's span, so that a
    /// recording whose session is quiet stays with its connection.
    /// - Returns: how many leases were renewed.
    @discardableResult
    public func renewLeases(server: String, seconds: Double) throws(CatalogError) -> Int {
        try write { db in
            let now = Self.nowMicros
            try db.execute(sql: "UPDATE leases SET expires_us = ? WHERE server = ?", arguments: [now + Int64(seconds * 1_000_000), server])
            let renewed = db.changesCount
            // Leases of servers gone for a day: nobody will take them over (their recordings
            // ended), nor release them.
            try db.execute(sql: "DELETE FROM leases WHERE expires_us < ?", arguments: [now - 86_400_000_000])
            return renewed
        }
    }

    /// Lets go of the leases of servers that ran on this machine and are gone (killed, or
    /// crashed): a server restarted here takes over their recordings at once, instead of
    /// waiting for the leases to run out as a server elsewhere must.
    /// - Returns: how many leases were let go.
    @discardableResult
    public func releaseLeasesOfGoneProcesses() throws(CatalogError) -> Int {
        let me = Self.processIdentity
        let host = String(me.prefix { $0 != " " })
        return try write { db in
            var released = 0
            for server in try String.fetchAll(db, sql: "SELECT DISTINCT server FROM leases") where server != me {
                // "HOST pid N (…)…", as `processIdentity` names a process.
                let parts = server.split(separator: " ")
                guard parts.count >= 3, parts[0] == host, parts[1] == "pid", let pid = pid_t(parts[2]), pid != getpid(),
                      kill(pid, 0) == -1, errno == ESRCH else { continue }
                try db.execute(sql: "DELETE FROM leases WHERE server = ?", arguments: [server])
                released += db.changesCount
            }
            return released
        }
    }

    /// The holders of leases now in force, by lease name (for `stats` and the tests).
    public func leases() throws(CatalogError) -> [String: String] {
        try read { db in
            var held: [String: String] = [:]
            for row in try SQLRow.fetchAll(db, sql: "SELECT name, owner FROM leases WHERE expires_us > ?", arguments: [Self.nowMicros]) {
                held[row["name"]] = row["owner"]
            }
            return held
        }
    }
}
