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
    /// This process, as leases name it: "HOST pid N (a1b2c3) on MACHINE", the tag telling
    /// apart two processes that had one pid (a restart), MACHINE this boot of this machine
    /// and its process namespace (two machines may share a host name; two containers, pids).
    public static let processIdentity: String = identity(pid: getpid(), tag: String(UUID().uuidString.prefix(6).lowercased()))

    /// The identity of process `pid` on this machine, with `tag`.
    static func identity(pid: pid_t, tag: String) -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host.isEmpty ? "localhost" : host) pid \(pid) (\(tag)) on \(machine)"
    }

    /// This boot of this machine and this process namespace: the boot ID's first 8 digits
    /// and the pid namespace's inode.
    static let machine: String = {
        let boot = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?.prefix(8) ?? "noboot"
        var buffer = [CChar](repeating: 0, count: 128)
        let length = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
        let namespace = length > 0 ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .filter(\.isNumber) : "0"
        return "\(boot)-\(namespace)"
    }()

    /// Takes or renews `lease` on `name` in this transaction.
    ///
    /// Renewed when `lease.owner` holds it. Otherwise, only when `taking`: taken when nobody
    /// holds it, when it expired, or (with `supersedingOwnServer`) when another holder of
    /// the same server holds it. A connection that lost its lease (`taking` false for its
    /// chunks) never gets it back but through a new `hello`.
    /// - Throws: `.leaseHeld` naming the holder and how long the lease still runs.
    static func claim(_ db: any SQLConnection, _ name: String, _ lease: CatalogLease, taking: Bool = true, supersedingOwnServer: Bool, what: String) throws {
        let now = nowMicros
        let expires = now + Int64(lease.seconds * 1_000_000)
        let held = try SQLRow.fetchOne(db, sql: "SELECT owner, server, expires_us FROM leases WHERE name = ?", arguments: [name])
        if !taking && (held?["owner"] as String?) != lease.owner {
            throw CatalogError(.leaseHeld, "\(what) is no longer this connection's: \((held?["owner"] as String?).map { "\($0) took it over" } ?? "another connection took it over and let go"); it stores nothing more of it.")
        }
        if let held {
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

    /// Renews the leases `owners` hold (a server's open connections) for `seconds` more;
    /// what a running server does well within each lease's span, so that a recording whose
    /// session is quiet stays with its connection. A lease another took is not touched.
    /// - Returns: how many leases were renewed.
    @discardableResult
    public func renewLeases(owners: [String], seconds: Double) throws(CatalogError) -> Int {
        guard !owners.isEmpty else { return 0 }
        return try write { db in
            var arguments: SQLArguments = [Self.nowMicros + Int64(seconds * 1_000_000)]
            for owner in owners { arguments += [owner] }
            try db.execute(sql: "UPDATE leases SET expires_us = ? WHERE owner IN (\(owners.map { _ in "?" }.joined(separator: ", ")))", arguments: arguments)
            return db.changesCount
        }
    }

    /// Lets go of the leases of servers that ran on this machine and are gone (killed, or
    /// crashed): a server restarted here takes over their recordings at once, instead of
    /// waiting for the leases to run out as a server elsewhere must.
    /// - Returns: how many leases were let go.
    @discardableResult
    public func releaseLeasesOfGoneProcesses() throws(CatalogError) -> Int {
        let me = Self.processIdentity.split(separator: " ")
        return try write { db in
            var released = 0
            for server in try String.fetchAll(db, sql: "SELECT DISTINCT server FROM leases") {
                // "HOST pid N (TAG) on MACHINE…", as `processIdentity` names a process.
                let parts = server.split(separator: " ")
                guard parts.count >= 6, parts[0] == me[0], parts[1] == "pid", parts[4] == "on", parts[5] == me[5],
                      let pid = pid_t(parts[2]) else { continue }
                // This process's own pid with another tag: a process before it (a restart as pid 1).
                let gone = pid == getpid() ? parts[3] != me[3] : (kill(pid, 0) == -1 && errno == ESRCH)
                guard gone else { continue }
                try db.execute(sql: "DELETE FROM leases WHERE server = ?", arguments: [server])
                released += db.changesCount
            }
            // Leases expired a day ago: nobody will take them over (their recordings ended).
            try db.execute(sql: "DELETE FROM leases WHERE expires_us < ?", arguments: [Self.nowMicros - 86_400_000_000])
            return released + db.changesCount
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
