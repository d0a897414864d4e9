import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `psrec import --db DB FILE|DIR...`.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import recordings into a catalog, content included.",
        discussion: """
        Each file is verified, then stored with its metadata, indicators and terminal text \
        in one transaction: a crash or an error never leaves half a recording. Complete and \
        truncated files are imported; corrupt and invalid ones are reported and skipped. \
        Importing a file twice adds nothing; importing a longer copy of a truncated recording \
        (same ID, same first chunks) extends it. Directories are searched for *.psrec files. \
        The catalog is created when missing. With --defer-text the terminal text is \
        neither stored nor indexed (most of an import's time): the recordings are marked \
        text-pending, `search --text` cannot find them until `psrec index` builds their text, \
        and a longer copy of a truncated recording leaves its text pending too.

        Prints one line per file on stdout (added, extended, unchanged or skipped, the \
        recording ID and the file) and a summary on stderr. Exit status: 0 nothing skipped, \
        2 a corrupt file was skipped, 3 an invalid or unreadable file, or one whose ID the \
        catalog holds with other content, was skipped, 64 usage error.
        """)

    @Option(help: ArgumentHelp("The catalog: a SQLite file (created when missing), or a PostgreSQL URL (postgres://USER@HOST:PORT/DB; its schema created when missing).", valueName: "db"))
    var db: String

    @Argument(help: "Files or directories to import.")
    var paths: [String]

    @Flag(help: "Print only skipped files, and the summary.")
    var quiet = false

    @Flag(help: "Store the recordings without their terminal text, for `psrec index` to build later.")
    var deferText = false

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Give at least one file or directory to import.") }
    }

    func run() throws {
        try reporting {
            let files = try FileDiscovery.psrecFiles(paths)
            if files.isEmpty { throw CommandFailure("No .psrec files found in \(paths.map(TerminalSafe.escape).joined(separator: ", ")).") }
            // Files are verified on a thread of their own, one ahead of the one being stored
            // (the first while the catalog opens): verifying and storing take turns otherwise.
            let paths = files.map(\.path), deferText = deferText
            let verifier = ReadAhead(paths.indices, workers: 1, depth: 1, name: "psrec import verify") {
                { n in Catalog.verifyForImport(path: paths[n], deferText: deferText) }
            }
            defer { verifier.stop() }
            let catalog = try Catalog(path: db, create: true)
            let principal = CatalogPrincipal.administrator
            let totalBytes = files.reduce(Int64(0)) { $0 + $1.size }
            let progress = ProgressBar(total: totalBytes, files: files.count,
                                       enabled: Console.stderrIsTerminal && (files.count >= 20 || totalBytes >= 64 << 20))
            let out = OutputBuffer()
            var counts: [ImportOutcome.Kind: Int] = [:]
            var skippedCorrupt = 0, skippedOther = 0
            for (n, file) in files.enumerated() {
                progress.start(file.path)
                let outcome = try catalog.store(verifier.take(n), actor: principal.auditName)
                progress.finish(file.size)
                counts[outcome.kind, default: 0] += 1
                let id = outcome.recordingID ?? "-"
                let shown = TerminalSafe.escape(file.path)
                if outcome.kind == .skipped {
                    if outcome.verdict == .corrupt { skippedCorrupt += 1 } else { skippedOther += 1 }
                    progress.clear()
                    let reason = FailureTable.sentence(outcome.reason ?? "it cannot be imported",
                                                       advice: outcome.verdict == .corrupt ? "`psrec repair` makes an importable copy" : nil)
                    Console.error("skipped \(shown): \(reason)")
                }
                if quiet && outcome.kind != .skipped { continue }
                progress.clear()
                out.append("\(outcome.kind.rawValue) \(id) \(shown)\n")
                out.flush()
            }
            progress.clear()
            out.flush()
            var summary = "\(files.count) file\(files.count == 1 ? "" : "s") into \(TerminalSafe.escape(db)): "
            summary += [ImportOutcome.Kind.added, .extended, .unchanged].map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            summary += ", \(skippedCorrupt + skippedOther) skipped"
            if skippedCorrupt + skippedOther > 0 { summary += " (\(skippedCorrupt) corrupt, \(skippedOther) invalid or conflicting)" }
            if deferText && (counts[.added] ?? 0) + (counts[.extended] ?? 0) > 0 {
                summary += "; their text is not indexed yet: `psrec index --db \(TerminalSafe.escape(db))` indexes it"
            }
            Console.error(summary + ".")
            if skippedOther > 0 { return ExitStatus.invalid }
            return skippedCorrupt > 0 ? ExitStatus.corrupt : ExitStatus.ok
        }
    }
}
