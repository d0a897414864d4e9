import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `psrec export --db DB ID -o FILE`, and `psrec export FILE --format F -o OUT`
/// (`ExportCommand+Format.swift`).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a recording from a catalog back to a .psrec file, or a .psrec file as asciicast or text.",
        discussion: """
        With --db: the file is the one imported, byte for byte; its SHA-256 is checked against the one \
        recorded at import before the file is put in place. The export is recorded in the \
        audit log. Exit status: 0 written, 3 not found or the catalog is damaged (nothing is \
        left at OUT), 64 usage error, 77 refused (--as). \
        With --format: \(ExportCommand.formatDiscussion)
        """)

    @Option(help: ArgumentHelp("The catalog (a SQLite file) to export the recording from.", valueName: "db"))
    var db: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("With --db: act as this user, who must own, audit or manage the recording.", valueName: "user"))
    var asUser: String?

    @Option(help: ArgumentHelp("Export the .psrec file FILE as asciicast-v2, asciicast-v3 or txt.", valueName: "format"))
    var format: ExportFormatArgument?

    @Argument(help: ArgumentHelp("With --db, the recording's ID (its UUID or a unique prefix); with --format, the .psrec file.", valueName: "id|file"))
    var id: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The .psrec file to write.", valueName: "out"))
    var output: String

    @Flag(name: .long, help: "Replace OUT if it exists.")
    var force = false

    func validate() throws { try validateForms() }

    func run() throws {
        if format != nil { return try runFormatExport() }
        try reporting {
            guard let db else { throw CommandFailure("Give --db DB to export a catalog recording.", status: ExitStatus.usage) }
            let store = try Catalog(path: db)
            let recording = try store.recording(id)
            try store.authorize(.export, recording, as: CatalogPrincipal.make(asUser))
            if !force && FileManager.default.fileExists(atPath: output) {
                throw CommandFailure("\(TerminalSafe.escape(output)) exists; give --force to replace it.", status: ExitStatus.usage)
            }
            let temporary = output + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
            do {
                let sink = try FileSink(path: temporary, overwrite: true)
                try store.export(recording, into: sink)
                try sink.sync()
                try sink.close()
                if force { try? FileManager.default.removeItem(atPath: output) }
                try FileManager.default.moveItem(atPath: temporary, toPath: output)
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                if let error = error as? FormatError { throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: \(TerminalSafe.escape(error.message)).") }
                if let error = error as? CatalogError { throw error }
                throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: \(TerminalSafe.escape("\(error)")).")
            }
            Console.error("Wrote \(TerminalSafe.escape(output)): recording \(recording.uuid), \(recording.fileBytes) bytes, SHA-256 \(recording.sha256).")
            return ExitStatus.ok
        }
    }
}
