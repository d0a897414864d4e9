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
    var right: Right

    @Option(help: ArgumentHelp("On all recordings of this application.", valueName: "app"))
    var app: String?

    @Option(help: ArgumentHelp("On this recording only (audit only; its ID or a unique prefix).", valueName: "id"))
    var recording: String?

    func validate() throws {
        try CatalogPrincipal.validate(user, given: "USER")
        if (app == nil) == (recording == nil) { throw ValidationError("Give one of --app and --recording.") }
        if recording != nil && right == .manage { throw ValidationError("The manage right is granted per application: use --app.") }
    }

    func resolve(_ catalog: Catalog) throws -> (Right, RightScope) {
        let scope: RightScope = if let app { .application(app) } else { .recording(try catalog.recording(recording!)) }
        return (right, scope)
    }
}
