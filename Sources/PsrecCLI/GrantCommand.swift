import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// What `grant` and `revoke` share: `USER RIGHT (--app APP | --recording ID)`.
struct RightArguments: ParsableArguments {
    @Option(help: ArgumentHelp("The catalog (a SQLite file).", valueName: "db"))
    var db: String

    @Argument(help: "The user.")
    var user: String

    @Argument(help: ArgumentHelp("manage (see, export, delete and hold an application's recordings) or audit (see and export).", valueName: "right"))
    var right: String

    @Option(help: ArgumentHelp("On all recordings of this application.", valueName: "app"))
    var app: String?

    @Option(help: ArgumentHelp("On this recording only (audit only; its ID or a unique prefix).", valueName: "id"))
    var recording: String?

    func validate() throws {
        guard Right(rawValue: right) != nil else { throw ValidationError("'\(TerminalSafe.escape(right))' is not a right; use manage or audit.") }
        if (app == nil) == (recording == nil) { throw ValidationError("Give one of --app and --recording.") }
        if recording != nil && right == "manage" { throw ValidationError("The manage right is granted per application: use --app.") }
    }

    func resolve(_ catalog: Catalog) throws -> (Right, RightScope) {
        let scope: RightScope = if let app { .application(app) } else { .recording(try catalog.recording(recording!)) }
        return (Right(rawValue: right)!, scope)
    }
}

/// `psrec grant --db DB USER manage|audit --app APP | --recording ID`.
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Give a user the right to manage or audit an application's recordings, or to audit one recording.",
        discussion: "Recorded in the audit log. Exit status: 0 granted, 3 unknown application or recording, 64 usage error.")

    @OptionGroup var arguments: RightArguments

    func run() throws {
        try reporting {
            let catalog = try Catalog(path: arguments.db)
            let (right, scope) = try arguments.resolve(catalog)
            try catalog.grant(right, to: arguments.user, on: scope, by: CatalogPrincipal.make(nil))
            return ExitStatus.ok
        }
    }
}

/// `psrec revoke --db DB USER manage|audit --app APP | --recording ID`.
struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Take back a right given with grant.",
        discussion: "Recorded in the audit log. Exit status: 0 revoked or the user did not have it (a note says so), 3 unknown recording, 64 usage error.")

    @OptionGroup var arguments: RightArguments

    func run() throws {
        try reporting {
            let catalog = try Catalog(path: arguments.db)
            let (right, scope) = try arguments.resolve(catalog)
            if try !catalog.revoke(right, from: arguments.user, on: scope, by: CatalogPrincipal.make(nil)) {
                Console.error("\(TerminalSafe.escape(arguments.user)) did not have that right; nothing changed.")
            }
            return ExitStatus.ok
        }
    }
}
