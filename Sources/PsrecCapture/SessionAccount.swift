internal import CPty
#if canImport(Glibc)
import Glibc
#endif

/// The account a recorded session runs as when `psrec record` itself runs as root (an SSH
/// gateway's `ForceCommand` through `sudo`): the recorder keeps root and the recording's
/// descriptor, the session gets this account's uid, primary gid and every supplementary
/// group of the account (never root's), so it can neither reach the recording file nor the
/// recorder process.
public struct SessionAccount: Sendable, Equatable {
    public let name: String
    public let uid: UInt32
    public let gid: UInt32
    /// The account's groups as `initgroups(3)` would set them, primary group included.
    public let groups: [UInt32]
    public let home: String
    public let shell: String

    /// Looks an account up by name, or by number when `nameOrUID` is all digits.
    /// - Throws: `CaptureError` when there is no such account.
    public init(_ nameOrUID: String) throws(CaptureError) {
        let entry: UnsafeMutablePointer<passwd>?
        if let number = UInt32(nameOrUID) { entry = getpwuid(number) } else { entry = getpwnam(nameOrUID) }
        guard let entry else { throw CaptureError(.noSuchAccount, "There is no account \(nameOrUID) on this host.") }
        let name = String(cString: entry.pointee.pw_name)
        let gid = entry.pointee.pw_gid
        self.name = name
        self.uid = entry.pointee.pw_uid
        self.gid = gid
        self.home = String(cString: entry.pointee.pw_dir)
        let shell = String(cString: entry.pointee.pw_shell)
        self.shell = shell.isEmpty ? "/bin/sh" : shell
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        while getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count) * 2)
            count = Int32(groups.count)
        }
        self.groups = Array(groups.prefix(Int(count)))
    }

    /// The user who ran `sudo psrec …`, from `SUDO_UID`, which sudo sets and a user cannot
    /// forge through sudo (it is never kept from the caller's environment).
    /// - Throws: `CaptureError` when psrec was not started through sudo.
    public static func sudoInvoker(environment: [String: String]) throws(CaptureError) -> SessionAccount {
        guard let uid = environment["SUDO_UID"], UInt32(uid) != nil else {
            throw CaptureError(.notStartedThroughSudo, "The user who started psrec through sudo is not known: SUDO_UID is not set.")
        }
        return try SessionAccount(uid)
    }

    /// Makes this process run as the account (groups, then gid, then uid, real, effective and
    /// saved), for good: used to run a session that is not recorded. This process must be root.
    /// - Throws: `CaptureError` when a step fails or root could be regained.
    public func become() throws(CaptureError) {
        guard setgroups(groups.count, groups) == 0, setresgid(gid, gid, gid) == 0, setresuid(uid, uid, uid) == 0,
              uid == 0 || setresuid(0, 0, 0) != 0 else {
            throw CaptureError(.cannotSwitchAccount, "Cannot switch to the account \(name): \(String(cString: strerror(errno))).")
        }
    }

    /// Why `directory` is within this account's reach (it could read, replace or delete a
    /// recording kept there), or nil when it is not: the account must not own it, and neither
    /// "other" nor a group of the account may search or write it.
    public func reach(ofDirectory directory: String) -> String? {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            return "Cannot use the folder \(directory): \(String(cString: strerror(errno)))."
        }
        let mode = info.st_mode & 0o7777
        let octal = "0" + String(mode, radix: 8)
        let searchOrWrite: mode_t = 0o3
        if info.st_uid == uid {
            return "The folder \(directory) belongs to \(name), who could replace or delete the recording; make it root's with mode 0700 (see the README's SSH gateway setup)."
        }
        if mode & searchOrWrite != 0 {
            return "The folder \(directory) (mode \(octal)) can be entered by every user, \(name) included, who could read or replace the recording; make it root's with mode 0700 (see the README's SSH gateway setup)."
        }
        if groups.contains(info.st_gid), (mode >> 3) & searchOrWrite != 0 {
            return "The folder \(directory) (mode \(octal)) can be entered by its group, which \(name) belongs to, who could read or replace the recording; make it root's with mode 0700 (see the README's SSH gateway setup)."
        }
        return nil
    }
}
