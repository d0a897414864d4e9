import Crypto

/// A machine allowed to stream recordings into the catalog (`Catalog.beginIngest`).
public struct CaptureHost: Sendable, Equatable {
    /// Its name, as the server logs it and `ingest_host` records it.
    public var name: String
    /// When it was added, in microseconds since 1970.
    public var createdMicros: Int64
    /// When it was revoked, or nil while it may stream.
    public var revokedMicros: Int64?
    /// How it proves who it is.
    public var authentication: HostAuthentication

    public init(name: String, createdMicros: Int64, revokedMicros: Int64?, authentication: HostAuthentication = .token) {
        self.name = name
        self.createdMicros = createdMicros
        self.revokedMicros = revokedMicros
        self.authentication = authentication
    }
}

/// How a capture host proves who it is to `psrec serve` (`capture_hosts.authentication`).
public enum HostAuthentication: String, Sendable, Equatable {
    /// The token `Catalog.addHost` returned once, sent with each `hello`.
    case token
    /// A TLS client certificate, signed by the CA the server is given (`--client-ca`), whose
    /// subject common name is the host's name. The host has no token.
    case certificate
}

extension Catalog {
    /// Prefix of every capture host token, so that a leaked one is recognisable.
    public static let hostTokenPrefix = "psrec_"

    /// Longest capture host name accepted, in characters (a DNS name's length).
    public static let maxHostNameCharacters = 253

    /// Adds a capture host and returns its token, the only time the token exists outside
    /// the host: the catalog keeps its SHA-256 alone, so reading the catalog file does not
    /// give a token.
    ///
    /// The token is "psrec_" and 64 lower-case hex digits (32 bytes from the system's
    /// random source). The addition is in the audit log.
    /// - Parameters:
    ///   - name: the host's name, as `checkHostName` accepts it.
    ///   - actor: who adds it, for the audit log.
    /// - Throws: `.invalidHostName`, `.hostExists` (also for a revoked host: its name stays
    ///   taken, so the audit log and `ingest_host` keep naming one machine).
    public func addHost(named name: String, actor: String) throws(CatalogError) -> String {
        var random = SystemRandomNumberGenerator()
        let token = Self.hostTokenPrefix + Self.hex((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        try insertHost(named: name, tokenDigest: Self.tokenDigest(token), actor: actor, detail: "capture host \(name) added")
        return token
    }

    /// Adds a capture host that proves who it is with a TLS client certificate only: one
    /// signed by the CA `psrec serve --client-ca` is given, whose subject common name is
    /// `name` (`authenticateHost(certificateName:)`). It has no token. The addition is in the
    /// audit log.
    /// - Throws: `.invalidHostName`, `.hostExists`, as `addHost`.
    public func addCertificateHost(named name: String, actor: String) throws(CatalogError) {
        try insertHost(named: name, tokenDigest: nil, actor: actor, detail: "capture host \(name) added (client certificate)")
    }

    private func insertHost(named name: String, tokenDigest: String?, actor: String, detail: String) throws(CatalogError) {
        try Self.checkHostName(name)
        let authentication: HostAuthentication = tokenDigest == nil ? .certificate : .token
        try write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM capture_hosts WHERE name = ?", arguments: [name]) != nil {
                throw CatalogError(.hostExists, "A capture host named \(name) is already in the catalog \(path).")
            }
            try db.execute(sql: "INSERT INTO capture_hosts (name, authentication, token_sha256, created_us) VALUES (?, ?, ?, ?)",
                           arguments: [name, authentication.rawValue, tokenDigest, Self.nowMicros])
            try Self.audit(db, actor: actor, action: "host add", recording: nil, detail: detail)
        }
    }

    /// The capture hosts, revoked ones included, by name.
    public func hosts() throws(CatalogError) -> [CaptureHost] {
        try read { db in
            try SQLRow.fetchAll(db, sql: "SELECT name, authentication, created_us, revoked_us FROM capture_hosts ORDER BY name").map {
                CaptureHost(name: $0["name"], createdMicros: $0["created_us"], revokedMicros: $0["revoked_us"],
                            authentication: HostAuthentication(rawValue: $0["authentication"]) ?? .token)
            }
        }
    }

    /// Revokes a capture host: neither its token nor a client certificate naming it
    /// authenticates it any more. Revoking a revoked host changes nothing (its first
    /// revocation time stays). The revocation is in the audit log.
    /// - Throws: `.hostNotFound` for a name the catalog does not have.
    public func revokeHost(named name: String, actor: String) throws(CatalogError) {
        try write { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT revoked_us FROM capture_hosts WHERE name = ?", arguments: [name]) else {
                throw CatalogError(.hostNotFound, "No capture host named \(name) is in the catalog \(path).")
            }
            if (row["revoked_us"] as Int64?) != nil { return }
            try db.execute(sql: "UPDATE capture_hosts SET revoked_us = ? WHERE name = ?", arguments: [Self.nowMicros, name])
            try Self.audit(db, actor: actor, action: "host revoke", recording: nil, detail: "capture host \(name) revoked")
        }
    }

    /// The name of the capture host whose token this is, or nil when no host has it or the
    /// host was revoked.
    public func authenticateHost(token: String) throws(CatalogError) -> String? {
        let digest = Self.tokenDigest(token)
        return try read { db in
            try String.fetchOne(db, sql: "SELECT name FROM capture_hosts WHERE token_sha256 = ? AND revoked_us IS NULL", arguments: [digest])
        }
    }

    /// The capture host a verified TLS client certificate names (its subject common name),
    /// or nil when no host has that name, exactly, or the host was revoked.
    ///
    /// Hosts added with a token are found too: a server that requires client certificates
    /// admits them by a certificate naming them (`Spec/protocol.md#authentication`).
    public func authenticateHost(certificateName name: String) throws(CatalogError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT name FROM capture_hosts WHERE name = ? AND revoked_us IS NULL", arguments: [name])
        }
    }

    /// Checks that `name` can be a capture host's: 1 to `maxHostNameCharacters` ASCII
    /// letters, digits, '.', '-' and '_', not starting with '.' or '-'. Stricter than a user
    /// name: a host name goes into log lines and onto terminals as it is.
    /// - Throws: `.invalidHostName` saying what is wrong.
    public static func checkHostName(_ name: String) throws(CatalogError) {
        if name.isEmpty {
            throw CatalogError(.invalidHostName, "A capture host needs a name; an empty name is not one.")
        }
        if name.count > maxHostNameCharacters {
            throw CatalogError(.invalidHostName, "A capture host name has at most \(maxHostNameCharacters) characters; this one has \(name.count).")
        }
        if let bad = name.unicodeScalars.first(where: { !($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))) }) {
            let shown = bad.isASCII && bad.value >= 0x21 && bad.value < 0x7F ? "'\(Character(bad))'" : "U+\(String(bad.value, radix: 16, uppercase: true))"
            throw CatalogError(.invalidHostName, "A capture host name holds only ASCII letters, digits, '.', '-' and '_'; \(shown) is not one of them.")
        }
        if name.first == "." || name.first == "-" {
            throw CatalogError(.invalidHostName, "A capture host name cannot start with '\(name.first!)'.")
        }
    }

    /// SHA-256 of a token, in lower-case hex: what `capture_hosts.token_sha256` holds.
    static func tokenDigest(_ token: String) -> String { hex(Array(SHA256.hash(data: Array(token.utf8)))) }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
