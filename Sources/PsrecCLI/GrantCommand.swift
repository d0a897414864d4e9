import ArgumentParser
import PsrecCatalog
import PsrecFormat

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
            try catalog.grant(right, to: arguments.user, on: scope, by: CatalogPrincipal.administrator)
            return ExitStatus.ok
        }
    }
}
