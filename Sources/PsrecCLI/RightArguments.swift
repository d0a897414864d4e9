import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// What `grant` and `revoke` share: `USER RIGHT (--app APP | --recording ID)`.
struct RightArguments: ParsableArguments {
    @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
    var db: String

    @Argument(help: "The user.")
    var user: String

    @Argument(help: ArgumentHelp("The right: manage sees, exports, deletes and holds an application's recordings; audit sees and exports.", valueName: "right"))
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
