
/// A user as the web application knows them: whether they can log in with a password.
public struct WebUser: Sendable, Equatable {
    public var name: String
    /// True when `psrec user add` or `passwd` set a password.
    public var hasPassword: Bool
    /// When the user was disabled (microseconds since 1970), or nil.
    public var disabledMicros: Int64?
    public var createdMicros: Int64
    /// How many web sessions are open.
    public var sessionCount: Int
    /// Whether the user administers applications in the web application (`psrec user admin`).
    public var administrator: Bool = false
}

extension Catalog {
    /// The bcrypt cost `psrec user` hashes passwords with: 2^12 rounds, about 0.2 s per
    /// hash on the project's 2-core machine (measured in the README), which is what every
    /// login attempt costs an attacker too.
    public static let passwordHashCost: UInt8 = 12

    /// Gives `name` a web login with the password whose bcrypt hash is `bcryptHash`. A
    /// user already named by a right (without a password) gets the password; a user who has
    /// one already is refused. The addition is in the audit log; the hash never is.
    /// - Throws: `.invalidUserName`, `.userExists`.
    public func addWebUser(_ name: String, bcryptHash: String, actor: String) throws(CatalogError) {
        try Principal.checkUserName(name)
        try write { db in
            if try String.fetchOne(db, sql: "SELECT password_bcrypt FROM users WHERE name = ?", arguments: [name]) != nil {
                throw CatalogError(.userExists, "The user \(name) already has a web login.")
            }
            try db.execute(sql: "INSERT OR IGNORE INTO users (name, created_us) VALUES (?, ?)", arguments: [name, Self.nowMicros])
            try db.execute(sql: "UPDATE users SET password_bcrypt = ?, disabled_us = NULL WHERE name = ?", arguments: [bcryptHash, name])
            try Self.audit(db, actor: actor, action: "user-add", recording: nil, detail: "web login for \(name)")
        }
    }

    /// Replaces the password of `name`; their open web sessions end, so that whoever knew
    /// the old password is logged out.
    /// - Throws: `.userNotFound` when the user has no web login.
    public func setWebPassword(_ name: String, bcryptHash: String, actor: String) throws(CatalogError) {
        try write { db in
            try db.execute(sql: "UPDATE users SET password_bcrypt = ? WHERE name = ? AND password_bcrypt IS NOT NULL", arguments: [bcryptHash, name])
            guard db.changesCount > 0 else { throw Self.noWebUser(name) }
            try db.execute(sql: "DELETE FROM web_sessions WHERE user = ?", arguments: [name])
            try Self.audit(db, actor: actor, action: "user-passwd", recording: nil, detail: "password of \(name) changed; web sessions ended")
        }
    }

    /// Disables (or with `false`, enables again) the web login of `name`. Disabling ends
    /// every web session of theirs at once.
    /// - Throws: `.userNotFound` when the user has no web login.
    public func setWebUserDisabled(_ name: String, _ disabled: Bool, actor: String) throws(CatalogError) {
        try write { db in
            guard try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ? AND password_bcrypt IS NOT NULL)", arguments: [name]) == true else {
                throw Self.noWebUser(name)
            }
            if disabled {
                try db.execute(sql: "UPDATE users SET disabled_us = coalesce(disabled_us, ?) WHERE name = ?", arguments: [Self.nowMicros, name])
                try db.execute(sql: "DELETE FROM web_sessions WHERE user = ?", arguments: [name])
            } else {
                try db.execute(sql: "UPDATE users SET disabled_us = NULL WHERE name = ?", arguments: [name])
            }
            try Self.audit(db, actor: actor, action: disabled ? "user-disable" : "user-enable", recording: nil,
                           detail: disabled ? "web login of \(name) disabled; web sessions ended" : "web login of \(name) enabled")
        }
    }

    /// Every user with a web login or who is a web administrator, by name.
    public func webUsers() throws(CatalogError) -> [WebUser] {
        try read { db in
            try SQLRow.fetchAll(db, sql: """
                SELECT u.name, u.created_us, u.disabled_us, u.web_admin, u.password_bcrypt IS NOT NULL AS has_password, (SELECT count(*) FROM web_sessions s WHERE s.user = u.name) AS sessions
                FROM users u WHERE u.password_bcrypt IS NOT NULL OR u.web_admin ORDER BY u.name
                """).map { row in
                WebUser(name: row["name"], hasPassword: row["has_password"], disabledMicros: row["disabled_us"], createdMicros: row["created_us"],
                        sessionCount: row["sessions"], administrator: row["web_admin"])
            }
        }
    }

    /// The bcrypt hash to check a login of `name` against, or nil when the user has no web
    /// login or is disabled: both are refused alike.
    public func webPasswordHash(of name: String) throws(CatalogError) -> String? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT password_bcrypt FROM users WHERE name = ? AND disabled_us IS NULL", arguments: [name])
        }
    }

    /// Makes `name` an administrator of the web application (or, with `false`, no longer
    /// one): they see the applications page and change recording, retention and rights
    /// there, each change in the audit log under `admin:NAME@web`. A user the trusted
    /// proxy names can be one without a password. The change is in the audit log.
    /// - Throws: `.invalidUserName`; `.userNotFound` when removing from a user who is none.
    public func setWebAdministrator(_ name: String, _ administrator: Bool, actor: String) throws(CatalogError) {
        try Principal.checkUserName(name)
        try write { db in
            if administrator {
                try db.execute(sql: "INSERT OR IGNORE INTO users (name, created_us) VALUES (?, ?)", arguments: [name, Self.nowMicros])
                try db.execute(sql: "UPDATE users SET web_admin = 1 WHERE name = ?", arguments: [name])
            } else {
                try db.execute(sql: "UPDATE users SET web_admin = 0 WHERE name = ? AND web_admin", arguments: [name])
                guard db.changesCount > 0 else { throw CatalogError(.userNotFound, "The user \(name) is not a web administrator.") }
            }
            try Self.audit(db, actor: actor, action: administrator ? "user-admin" : "user-unadmin", recording: nil,
                           detail: administrator ? "\(name) administers applications on the web" : "\(name) no longer administers applications on the web")
        }
    }

    /// True when `name` is a web administrator and not disabled.
    public func isWebAdministrator(_ name: String) throws(CatalogError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ? AND web_admin AND disabled_us IS NULL)", arguments: [name]) ?? false
        }
    }

    /// True when `name` was disabled: a user named by a trusted proxy is refused then too.
    public func isWebUserDisabled(_ name: String) throws(CatalogError) -> Bool {
        try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM users WHERE name = ? AND disabled_us IS NOT NULL)", arguments: [name]) ?? false
        }
    }

    private static func noWebUser(_ name: String) -> CatalogError {
        CatalogError(.userNotFound, "The user \(name) has no web login in the catalog.")
    }
}
