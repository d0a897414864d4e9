import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `psrec prune --db DB [--dry-run] [--older-than 90d]`.
struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete recordings past their retention period and give the space back.",
        discussion: """
        A recording is due when it started longer ago than its application's retention \
        period (`psrec app set-retention`), or than --older-than when given, which applies \
        to every application. Recordings under legal hold are kept and listed. Content, \
        indicators and terminal text are deleted; each deletion is recorded in the audit log; \
        the freed pages are returned to the file system. Prints one line per recording. \
        One prune at a time deletes from a catalog, whichever machine runs it: another one \
        meanwhile deletes nothing and says which holds the catalog's retention lease. \
        Exit status: 0 success, 3 the catalog cannot be read or written or another prune \
        is running, 64 usage error.
        """)

    @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
    var db: String

    @Option(help: ArgumentHelp("Delete recordings that started longer ago than this (90d, 12w, 36h; a bare number is refused), whatever their application's period.", valueName: "age"),
            transform: CatalogPeriod.parse)
    var olderThan: CatalogPeriod?

    @Flag(help: "List what would be deleted; change nothing.")
    var dryRun = false

    func run() throws {
        try reporting {
            let catalog = try Catalog(path: db)
            let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
            let report = try catalog.prune(olderThanMicros: olderThan?.micros, nowMicros: now, dryRun: dryRun, by: CatalogPrincipal.administrator)
            let out = OutputBuffer()
            let verb = dryRun ? "would delete" : "deleted"
            for c in report.deleted {
                out.append("\(verb) \(c.recording.uuid) \(CatalogTime.iso(c.recording.startMicros)) \(RecordingListing.show(c.recording.user)) \(RecordingListing.show(c.recording.application)): \(TerminalSafe.escape(c.reason))\n")
            }
            for c in report.held {
                out.append("kept \(c.recording.uuid) \(CatalogTime.iso(c.recording.startMicros)) \(RecordingListing.show(c.recording.user)) \(RecordingListing.show(c.recording.application)): legal hold (\(TerminalSafe.escape(c.reason)))\n")
            }
            out.flush()
            let content = report.deleted.reduce(Int64(0)) { $0 + $1.recording.fileBytes }
            var summary = "\(report.deleted.count) recording\(report.deleted.count == 1 ? "" : "s") \(verb) (\(RecordingListing.bytes(content)) of content), \(report.held.count) kept under legal hold"
            if !dryRun { summary += "; the catalog went from \(RecordingListing.bytes(report.bytesBefore)) to \(RecordingListing.bytes(report.bytesAfter))" }
            Console.error(summary + ".")
            return ExitStatus.ok
        }
    }
}
