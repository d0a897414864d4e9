/// Who runs a catalog command: an administrator (whoever can open the catalog file), or a
/// named user restricted to what that user may see (`--as USER`).
public struct Principal: Sendable, Equatable {
    /// The user whose rights apply, or nil for an administrator.
    public let user: String?
    /// The name written to the audit log.
    public let auditName: String

    /// Only the factories below make principals, so every named user has a checked name.
    private init(user: String?, auditName: String) {
        self.user = user
        self.auditName = auditName
    }

    /// A named user, who sees their own recordings, those they audit, and those of
    /// applications they manage; the name is checked first as `checkUserName` does.
    /// - Throws: `.invalidUserName` saying what is wrong with the name.
    public static func user(_ name: String) throws(CatalogError) -> Principal {
        try checkUserName(name)
        return Principal(user: name, auditName: name)
    }

    /// An administrator, logged under the operating-system account that ran the command.
    public static func administrator(login: String) -> Principal { Principal(user: nil, auditName: "admin:" + login) }

    /// Longest user name accepted, in characters: room for directory names such as
    /// `DOMAIN\first.last` or an e-mail address, not for a paragraph in the audit log.
    public static let maxUserNameCharacters = 128

    /// Audit names that only the catalog itself writes; a user named so could pass for
    /// an administrator in the audit log.
    static let reservedPrefixes = ["admin:"]

    /// Checks that `name` can be a user's: not empty, at most `maxUserNameCharacters`, no
    /// control, format (bidirectional, zero-width) or line separator characters, no leading
    /// or trailing space, and not starting with `admin:`.
    /// - Throws: `.invalidUserName` saying what is wrong with the name.
    public static func checkUserName(_ name: String) throws(CatalogError) {
        if name.isEmpty {
            throw CatalogError(.invalidUserName, "A user name is needed; an empty name is not one.")
        }
        if name.count > maxUserNameCharacters {
            throw CatalogError(.invalidUserName, "A user name has at most \(maxUserNameCharacters) characters; this one has \(name.count).")
        }
        let unprintable = name.unicodeScalars.first { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse: true
            default: false
            }
        }
        if let unprintable {
            throw CatalogError(.invalidUserName, "A user name cannot contain the invisible or control character U+\(String(unprintable.value, radix: 16, uppercase: true)); give the name as it is written.")
        }
        if name.first?.isWhitespace == true || name.last?.isWhitespace == true {
            throw CatalogError(.invalidUserName, "A user name cannot start or end with a space.")
        }
        if let prefix = reservedPrefixes.first(where: { name.lowercased().hasPrefix($0) }) {
            throw CatalogError(.invalidUserName, "User names starting with '\(prefix)' are reserved for administrators in the audit log; give the user's own name.")
        }
    }
}

/// What a principal wants to do with a recording, and so which right it needs.
public enum AccessAction: String, Sendable {
    /// Show metadata, content or a verdict: owner, auditor or manager.
    case view
    /// Write the file out: owner, auditor or manager.
    case export
    /// Delete it: manager.
    case delete
    /// Set or clear its legal hold: manager.
    case hold

    var needsManage: Bool { self == .delete || self == .hold }
}
