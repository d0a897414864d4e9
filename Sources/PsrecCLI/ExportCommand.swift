import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecPlayback

/// `psrec export --db DB ID -o FILE`, and `psrec export FILE --format F -o OUT`
/// (`ExportCommand+Format.swift`).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a recording from a catalog back to a .psrec file, or a .psrec file as asciicast or text.",
        discussion: """
        With --db: the file is the one imported, byte for byte; its SHA-256 is checked against the one \
        recorded at import before the file is put in place. The export is recorded in the \
        audit log. Exit status: 0 written, 3 not found or the catalog is corrupt (nothing is \
        left at OUT), 64 usage error, 77 refused (--as). \
        With --format: \(ExportCommand.formatDiscussion)
        """)

    @Option(help: ArgumentHelp("The catalog to export the recording from: a SQLite file, or a PostgreSQL URL.", valueName: "db"))
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

    @Option(help: ArgumentHelp("With --format mp4: frames per second (1-60).", valueName: "n"))
    var fps: Int = 10

    @Option(name: [.long], help: ArgumentHelp("With --format mp4: speed factor (0.015625 to 1024).", valueName: "speed"))
    var speed: Double = 1

    @Option(name: .customLong("skip-inactivity"), defaultAsFlag: IdleCap(micros: PlaybackSchedule.defaultIdleCapMicros),
            help: ArgumentHelp("With --format mp4: shorten every idle stretch to SECONDS (1 s when given alone).", valueName: "seconds"))
    var skipInactivity: IdleCap? = nil

    func validate() throws {
        try validateForms()
        guard (1...60).contains(fps) else { throw ValidationError("--fps \(fps) is out of range; use 1 to 60.") }
        guard (PlaybackSchedule.minimumSpeed...PlaybackSchedule.maximumSpeed).contains(speed) else {
            throw ValidationError("--speed \(speed) is out of range; use 0.015625 to 1024.")
        }
        if let invalid = skipInactivity?.invalid {
            throw ValidationError("--skip-inactivity=\(TerminalSafe.escape(invalid)) is not a time; use seconds (2.5) or a unit (500ms, 1m).")
        }
    }

    func run() throws {
        if format != nil { return try runFormatExport() }
        try reporting {
            guard let db else { throw CommandFailure("Give --db DB to export a catalog recording.", status: ExitStatus.usage) }
            let store = try Catalog(path: db)
            let principal = try CatalogPrincipal.make(asUser)
            let recording = try store.recording(id, as: principal)
            try store.authorize(.export, recording, as: principal)
            if !force && FileManager.default.fileExists(atPath: output) {
                throw CommandFailure("\(TerminalSafe.escape(output)) exists; give --force to replace it.", status: ExitStatus.usage)
            }
            let sink: FileSink
            do {
                sink = try FileSink.temporary(beside: output)
            } catch let error as FormatError {
                throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: \(FailureTable.clause(TerminalSafe.escape(error.message))).")
            }
            do {
                try store.export(recording, into: sink)
                try sink.sync()
                try sink.close()
                // rename(2) replaces OUT in one step (a link there, not its target); without
                // --force an OUT created meanwhile is not replaced.
                if !force && FileManager.default.fileExists(atPath: output) {
                    throw CommandFailure("\(TerminalSafe.escape(output)) exists; give --force to replace it.", status: ExitStatus.usage)
                }
                guard rename(sink.path, output) == 0 else {
                    throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: it cannot be put in place (\(String(cString: strerror(errno)))).")
                }
            } catch {
                unlink(sink.path)
                if let error = error as? CommandFailure { throw error }
                if let error = error as? FormatError { throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: \(FailureTable.clause(TerminalSafe.escape(error.message))).") }
                if let error = error as? CatalogError { throw error }
                throw CommandFailure("Writing \(TerminalSafe.escape(output)) failed: \(FailureTable.clause(TerminalSafe.escape("\(error)"))).")
            }
            Console.error("Wrote \(TerminalSafe.escape(output)): recording \(recording.uuid), \(recording.fileBytes) bytes, SHA-256 \(recording.sha256).")
            return ExitStatus.ok
        }
    }
}
