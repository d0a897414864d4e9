import ArgumentParser
import Foundation
import HummingbirdBcrypt
import PsrecCatalog

/// `psrec user add|passwd|disable|enable|admin|list`: who may log in to the web application
/// (`psrec serve --web`) with a password. What each user sees there is what the rights
/// (`psrec grant`) give them, as with `--as`.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage the users who log in to the web application with a password.",
        subcommands: [Add.self, Passwd.self, Disable.self, Enable.self, Admin.self, List.self])

    /// Where the password comes from: a file, standard input, or the terminal.
    struct PasswordSource: ParsableArguments {
        @Option(name: .customLong("password-file"), help: ArgumentHelp("Read the password from this file (readable by its owner only; one line).", valueName: "file"))
        var passwordFile: String?
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a user a web login with a password.",
            discussion: """
            The password is read from --password-file, else from standard input when it is not \
            a terminal (its first line), else asked twice on the terminal without echo. It has \
            12 to 72 bytes; the catalog keeps only its bcrypt hash. A user already named by a \
            right keeps their rights. Exit status: 0 added, 3 the catalog cannot be opened, 64 \
            a name that cannot be a user's, a user who has a login already, or a password \
            that is too short or unreadable.
            """)
        @OptionGroup var options: AppCommand.Database
        @OptionGroup var source: PasswordSource
        @Argument(help: "The user's name, as rights name them.") var name: String
        func validate() throws {
            do { try Principal.checkUserName(name) } catch { throw ValidationError(error.message) }
        }
        func run() throws {
            let hash = try PasswordInput.hash(source)
            try reporting {
                try Catalog(path: options.db, create: true).addWebUser(name, bcryptHash: hash, actor: CatalogPrincipal.administrator.auditName)
                Console.error("\(TerminalSafe.escape(name)) can log in to the web application.")
                return ExitStatus.ok
            }
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's web password; their open web sessions end.",
            discussion: "The password is read as for `psrec user add`. Exit status: 0 changed, 3 no such user or the catalog cannot be opened, 64 usage error.")
        @OptionGroup var options: AppCommand.Database
        @OptionGroup var source: PasswordSource
        @Argument(help: "The user's name.") var name: String
        func run() throws {
            let hash = try PasswordInput.hash(source)
            try reporting {
                try Catalog(path: options.db).setWebPassword(name, bcryptHash: hash, actor: CatalogPrincipal.administrator.auditName)
                return ExitStatus.ok
            }
        }
    }

    /// `disable` and `enable`: what they change is one flag.
    static func setDisabled(_ name: String, _ disabled: Bool, db: String) throws -> Int32 {
        try Catalog(path: db).setWebUserDisabled(name, disabled, actor: CatalogPrincipal.administrator.auditName)
        return ExitStatus.ok
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop a user from logging in to the web application; their web sessions end at once.",
            discussion: "Their rights stay (for --as and a later enable). Exit status: 0 disabled, 3 no such user or the catalog cannot be opened.")
        @OptionGroup var options: AppCommand.Database
        @Argument(help: "The user's name.") var name: String
        func run() throws { try reporting { try UserCommand.setDisabled(name, true, db: options.db) } }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a disabled user log in to the web application again.",
            discussion: "Exit status: 0 enabled, 3 no such user or the catalog cannot be opened.")
        @OptionGroup var options: AppCommand.Database
        @Argument(help: "The user's name.") var name: String
        func run() throws { try reporting { try UserCommand.setDisabled(name, false, db: options.db) } }
    }

    struct Admin: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a user administer applications in the web application (or, with --remove, no longer).",
            discussion: """
            A web administrator sees the applications page: recording on or off, retention, \
            and the manage and audit rights, changed there as with `psrec app` and `psrec \
            grant`, each change in the audit log as admin:NAME@web. Which recordings they may \
            see is still what their rights give them. Exit status: 0 changed, 3 the catalog \
            cannot be opened or (with --remove) the user is not an administrator, 64 a name \
            that cannot be a user's.
            """)
        @OptionGroup var options: AppCommand.Database
        @Flag(help: "Take the administration away instead.") var remove = false
        @Argument(help: "The user's name.") var name: String
        func validate() throws {
            do { try Principal.checkUserName(name) } catch { throw ValidationError(error.message) }
        }
        func run() throws {
            try reporting {
                try Catalog(path: options.db, create: !remove).setWebAdministrator(name, !remove, actor: CatalogPrincipal.administrator.auditName)
                Console.error(remove ? "\(TerminalSafe.escape(name)) no longer administers applications on the web."
                                     : "\(TerminalSafe.escape(name)) administers applications on the web.")
                return ExitStatus.ok
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the users with a web login, and the web administrators.",
            discussion: "PASSWORD is no for an administrator the trusted proxy names. SESSIONS counts the web sessions open now (or not yet expired and cleaned up).")
        @OptionGroup var options: AppCommand.Database
        func run() throws {
            try reporting {
                let users = try Catalog(path: options.db).webUsers()
                let out = OutputBuffer()
                if !users.isEmpty {
                    var rows = [["USER", "ADDED (UTC)", "DISABLED (UTC)", "ADMIN", "PASSWORD", "SESSIONS"]]
                    for u in users {
                        rows.append([TerminalSafe.escape(u.name), CatalogTime.iso(u.createdMicros), u.disabledMicros.map { CatalogTime.iso($0) } ?? "-",
                                     u.administrator ? "yes" : "no", u.hasPassword ? "yes" : "no", String(u.sessionCount)])
                    }
                    out.append(RecordingListing.aligned(rows))
                }
                out.flush()
                return ExitStatus.ok
            }
        }
    }
}
