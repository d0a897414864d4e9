import Crypto

/// A logged-in browser: whose it is and the token its forms must carry.
public struct WebSession: Sendable, Equatable {
    public var user: String
    /// Compared with the hidden field of every state-changing form (CSRF).
    public var csrfToken: String
    public var createdMicros: Int64
    public var seenMicros: Int64
}

/// How long a web session lasts.
public struct WebSessionLimits: Sendable {
    /// Ended after this long without a request.
    public var idleMicros: Int64
    /// Ended this long after the login, whatever the activity.
    public var absoluteMicros: Int64

    /// 30 minutes idle, 12 hours in all.
    public static let standard = WebSessionLimits(idleMicros: 30 * 60_000_000, absoluteMicros: 12 * 3_600_000_000)

    public init(idleMicros: Int64, absoluteMicros: Int64) {
        self.idleMicros = idleMicros
        self.absoluteMicros = absoluteMicros
    }
}

extension Catalog {
    /// Opens a web session for `user` (whose password was checked) and returns the token
    /// for the browser's cookie. The catalog keeps only the token's SHA-256. The login is in
    /// the audit log, with `address`.
    /// - Returns: the cookie's token (64 hex digits from the system's random source) and the session.
    public func openWebSession(for user: String, address: String?) throws(CatalogError) -> (token: String, session: WebSession) {
        let token = Self.randomHex(bytes: 32)
        let csrf = Self.randomHex(bytes: 32)
        let now = Self.nowMicros
        try write { db in
            try db.execute(sql: "INSERT INTO web_sessions (token_sha256, user, csrf_token, created_us, seen_us, address) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [Self.tokenDigest(token), user, csrf, now, now, address])
            try Self.audit(db, actor: user, action: "login", recording: nil, detail: "web login from \(address ?? "an unknown address")")
        }
        return (token, WebSession(user: user, csrfToken: csrf, createdMicros: now, seenMicros: now))
    }

    /// The session whose cookie token is `token`, if it is open: not idle longer than
    /// `limits.idleMicros`, not older than `limits.absoluteMicros`, and its user not
    /// disabled. An expired session is deleted; an open one is marked seen now, from `address`.
    public func webSession(token: String, limits: WebSessionLimits, address: String?, nowMicros: Int64? = nil) throws(CatalogError) -> WebSession? {
        let now = nowMicros ?? Self.nowMicros
        let digest = Self.tokenDigest(token)
        return try write { db -> WebSession? in
            guard let row = try SQLRow.fetchOne(db, sql: """
                SELECT s.user, s.csrf_token, s.created_us, s.seen_us, u.disabled_us, u.password_bcrypt
                FROM web_sessions s JOIN users u ON u.name = s.user WHERE s.token_sha256 = ?
                """, arguments: [digest]) else { return nil }
            let created: Int64 = row["created_us"], seen: Int64 = row["seen_us"]
            let disabled: Int64? = row["disabled_us"], hash: String? = row["password_bcrypt"]
            if disabled != nil || hash == nil || now - seen > limits.idleMicros || now - created > limits.absoluteMicros {
                try db.execute(sql: "DELETE FROM web_sessions WHERE token_sha256 = ?", arguments: [digest])
                return nil
            }
            try db.execute(sql: "UPDATE web_sessions SET seen_us = ?, address = ? WHERE token_sha256 = ?", arguments: [now, address, digest])
            return WebSession(user: row["user"], csrfToken: row["csrf_token"], createdMicros: created, seenMicros: now)
        }
    }

    /// Ends the session whose cookie token is `token` (logout); the logout is in the audit
    /// log. Returns false when no such session was open.
    @discardableResult
    public func closeWebSession(token: String, address: String?) throws(CatalogError) -> Bool {
        try write { db in
            guard let user = try String.fetchOne(db, sql: "SELECT user FROM web_sessions WHERE token_sha256 = ?", arguments: [Self.tokenDigest(token)]) else { return false }
            try db.execute(sql: "DELETE FROM web_sessions WHERE token_sha256 = ?", arguments: [Self.tokenDigest(token)])
            try Self.audit(db, actor: user, action: "logout", recording: nil, detail: "web logout from \(address ?? "an unknown address")")
            return true
        }
    }

    /// Deletes every session past `limits`; returns how many.
    @discardableResult
    public func purgeWebSessions(limits: WebSessionLimits) throws(CatalogError) -> Int {
        let now = Self.nowMicros
        return try write { db in
            try db.execute(sql: "DELETE FROM web_sessions WHERE seen_us < ? OR created_us < ?",
                           arguments: [now - limits.idleMicros, now - limits.absoluteMicros])
            return db.changesCount
        }
    }

    /// Appends one row to the audit log for the web application, whose actor may be a
    /// name nobody has logged in as (a failed login).
    public func auditWeb(actor: String, action: String, recording: String? = nil, detail: String?) throws(CatalogError) {
        try write { db in try Self.audit(db, actor: actor, action: action, recording: recording, detail: detail) }
    }

    static func randomHex(bytes count: Int) -> String {
        var random = SystemRandomNumberGenerator()
        return hex((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &random) })
    }
}
