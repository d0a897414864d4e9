import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `--db DB` and `--as USER`, for commands that read or change the catalog.
struct CatalogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The catalog (a SQLite file).", valueName: "db"))
    var db: String

    @Option(name: .customLong("as"), help: ArgumentHelp("Act as this user: see only the recordings they own, audit or manage.", valueName: "user"))
    var asUser: String?

    /// Who acts: the `--as` user, or an administrator named after the login account.
    var principal: Principal { CatalogPrincipal.make(asUser) }

    /// Opens the catalog (creating it only when `create`).
    func open(create: Bool = false) throws -> Catalog { try Catalog(path: db, create: create) }
}

enum CatalogPrincipal {
    static func make(_ user: String?) -> Principal {
        if let user { return .user(user) }
        return .administrator(login: ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)
    }
}

/// A recording named by a file path, or with `--db` by its ID in a catalog.
struct RecordingLocator: ParsableArguments {
    @Argument(help: ArgumentHelp("The .psrec file, or with --db the recording's ID (its UUID or a unique prefix).", valueName: "file|id"))
    var file: String

    @Option(help: ArgumentHelp("Read the recording from this catalog instead of a file.", valueName: "db"))
    var db: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("With --db: act as this user, who must own, audit or manage the recording.", valueName: "user"))
    var asUser: String?

    func validate() throws {
        if asUser != nil && db == nil { throw ValidationError("--as applies to recordings in a catalog; give --db as well.") }
    }

    /// Opens the file, or checks access to the stored recording (recording the view in the
    /// audit log) and opens its content. Returns the reader and the name to show.
    func open() throws -> (RecordingReader, String) {
        guard let db else { return (try RecordingFile.open(file), file) }
        let catalog = try Catalog(path: db)
        let recording = try catalog.recording(file)
        try catalog.authorize(.view, recording, as: CatalogPrincipal.make(asUser))
        let name = "recording \(recording.uuid)"
        do {
            return (try RecordingReader(source: try catalog.content(of: recording)), name)
        } catch let error as FormatError {
            throw CommandFailure("\(name) in \(TerminalSafe.escape(db)) cannot be read: \(TerminalSafe.escape(error.description)).")
        }
    }
}
