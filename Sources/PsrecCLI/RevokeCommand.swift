import ArgumentParser
import PsrecCatalog
import PsrecFormat

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
            if try !catalog.revoke(right, from: arguments.user, on: scope, by: CatalogPrincipal.administrator) {
                Console.error("\(TerminalSafe.escape(arguments.user)) did not have that right; nothing changed.")
            }
            return ExitStatus.ok
        }
    }
}
