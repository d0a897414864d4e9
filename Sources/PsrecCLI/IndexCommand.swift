import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `psrec index --db DB [--limit N]`.
struct IndexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build the terminal text of recordings imported with --defer-text.",
        discussion: """
        Extracts and indexes the terminal text of every recording whose text is pending, \
        oldest import first, from the content the catalog holds: the same text an import \
        without --defer-text stores. Each recording is one transaction; running it again \
        does nothing for recordings already indexed. A recording deleted meanwhile, or whose \
        stored content is corrupt, is reported and left as it is; the others are indexed.

        Prints one line per recording indexed on stdout (indexed, the recording ID and the \
        bytes of text) and a summary on stderr. Exit status: 0 every pending recording was \
        indexed (or none was pending), 2 one or more could not be indexed (deleted meanwhile \
        or corrupt content), 3 the catalog cannot be opened or read, 64 usage error.
        """)

    @Option(help: ArgumentHelp("The catalog: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
    var db: String

    @Option(help: "Index at most this many recordings (the oldest imports first).")
    var limit: Int?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more.") }
    }

    func run() throws {
        try reporting {
            let catalog = try Catalog(path: db)
            let actor = CatalogPrincipal.administrator.auditName
            let pending = try catalog.textPendingRecordings(limit: limit)
            let shownDB = TerminalSafe.escape(db)
            if pending.isEmpty {
                Console.error("No recording in \(shownDB) has text waiting to be indexed.")
                return ExitStatus.ok
            }
            let totalBytes = pending.reduce(Int64(0)) { $0 + $1.fileBytes }
            let progress = ProgressBar(total: totalBytes, files: pending.count,
                                       enabled: Console.stderrIsTerminal && (pending.count >= 20 || totalBytes >= 64 << 20))
            let out = OutputBuffer()
            var indexed = 0, already = 0, failed = 0
            var textBytes = 0
            for recording in pending {
                progress.start(recording.uuid)
                defer { progress.finish(recording.fileBytes) }
                let outcome: TextIndexOutcome
                do {
                    outcome = try catalog.indexText(of: recording, actor: actor)
                } catch let error as CatalogError where error.code == .notFound || error.code == .database {
                    failed += 1
                    progress.clear()
                    Console.error(FailureTable.sentence(error.message))
                    continue
                }
                progress.clear()
                if outcome.indexed {
                    indexed += 1
                    textBytes += outcome.textBytes
                    out.append("indexed \(outcome.recordingID) \(outcome.textBytes) bytes of text\n")
                    out.flush()
                } else {
                    already += 1
                }
            }
            progress.clear()
            out.flush()
            var summary = "\(indexed) recording\(indexed == 1 ? "" : "s") indexed in \(shownDB) (\(RecordingListing.bytes(Int64(textBytes))) of text)"
            if already > 0 { summary += ", \(already) indexed meanwhile by another process" }
            if failed > 0 { summary += ", \(failed) failed" }
            let left = try catalog.textPendingCount(matching: RecordingQuery(), as: CatalogPrincipal.administrator)
            if left > 0 { summary += "; \(left) still pending" }
            Console.error(summary + ".")
            return failed > 0 ? ExitStatus.corrupt : ExitStatus.ok
        }
    }
}
