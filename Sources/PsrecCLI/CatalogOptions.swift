import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `--db DB` and `--as USER`, for commands that read or change the catalog.
struct CatalogOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
    var db: String

    @Option(name: .customLong("as"), help: ArgumentHelp("Act as this user: see only the recordings they own, audit or manage.", valueName: "user"))
    var asUser: String?

    func validate() throws {
        if let asUser { try CatalogPrincipal.validate(asUser) }
    }

    /// Who acts: the `--as` user, or an administrator named after the real user ID.
    var principal: Principal {
        get throws { try CatalogPrincipal.make(asUser) }
    }

    /// Opens the catalog (creating it only when `create`).
    func open(create: Bool = false) throws -> Catalog { try Catalog(path: db, create: create) }
}

enum CatalogPrincipal {
    /// The `--as` user (checked), or an administrator named after the process's real user
    /// ID: `$USER` and `$LOGNAME` are whatever the caller set, so an audit row naming them
    /// would prove nothing.
    /// - Throws: `CatalogError.invalidUserName` (usage, exit 64) for a name that cannot be a user's.
    static func make(_ user: String?) throws -> Principal {
        if let user { return try Principal.user(user) }
        return .administrator(login: realLogin)
    }

    /// An administrator named after the real user ID.
    static var administrator: Principal { .administrator(login: realLogin) }

    /// The name of the real user ID in the password database, or `uid=N` without an entry.
    static var realLogin: String {
        let uid = getuid()
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid=\(uid)"
    }

    /// Turns a bad user name into a usage error that names where it was given
    /// (`--as`, or the user argument of grant and revoke).
    static func validate(_ user: String, given what: String = "--as") throws {
        do {
            try Principal.checkUserName(user)
        } catch {
            let message = TerminalSafe.escape(error.message)
            throw ValidationError("\(what): \(message.prefix(1).lowercased() + message.dropFirst())")
        }
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
        if let asUser { try CatalogPrincipal.validate(asUser) }
    }

    /// Opens the file, or checks access to the stored recording (recording the view in the
    /// audit log) and opens its content. Returns the reader and the name to show.
    func open() throws -> (RecordingReader, String) {
        guard let db else { return (try RecordingFile.open(file), file) }
        let catalog = try Catalog(path: db)
        let principal = try CatalogPrincipal.make(asUser)
        let recording = try catalog.recording(file, as: principal)
        try catalog.authorize(.view, recording, as: principal)
        let name = "recording \(recording.uuid)"
        do {
            return (try RecordingReader(source: try catalog.content(of: recording)), name)
        } catch let error as FormatError {
            throw CommandFailure("\(name) in \(TerminalSafe.escape(db)) cannot be read: \(FailureTable.clause(TerminalSafe.escape(error.description))).")
        }
    }
}
