/// Who runs a catalog command: an administrator (whoever can open the catalog file), or a
/// named user restricted to what that user may see (`--as USER`).
public struct Principal: Sendable, Equatable {
    /// The user whose rights apply, or nil for an administrator.
    public var user: String?
    /// The name written to the audit log.
    public var auditName: String

    /// A named user: sees their own recordings, those they audit, and those of applications
    /// they manage.
    public static func user(_ name: String) -> Principal { Principal(user: name, auditName: name) }

    /// An administrator, logged under the operating-system account that ran the command.
    public static func administrator(login: String) -> Principal { Principal(user: nil, auditName: "admin:" + login) }
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
