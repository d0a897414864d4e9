import ArgumentParser
import Foundation
import PsrecCatalog

/// `psrec catalog copy --from A --to B`.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Work on whole catalogs.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a catalog into another, between SQLite and PostgreSQL either way.",
            discussion: """
                Copies applications, users (with their web passwords), capture hosts (token \
                digests), every recording (through the destination's import, each checked \
                against the source's SHA-256 afterwards), legal holds, rights and the audit log. \
                Run it again after an interruption: what the destination has is skipped. A \
                recording the destination holds with other content under the same ID is left \
                alone and reported (exit status 3). Web sessions and the web player's keyframes \
                are not copied.
                """)

        @Option(help: ArgumentHelp("The catalog to copy: a SQLite file, or a PostgreSQL URL (postgres://USER@HOST:PORT/DB).", valueName: "db"))
        var from: String

        @Option(help: ArgumentHelp("The catalog to copy into (created when missing): a SQLite file, or a PostgreSQL URL.", valueName: "db"))
        var to: String

        @Flag(name: .shortAndLong, help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if from == to { throw ValidationError("--from and --to name the same catalog.") }
        }

        func run() throws {
            try reporting {
                let source = try Catalog(path: from)
                let destination = try Catalog(path: to, create: true)
                let actor = CatalogPrincipal.administrator.auditName
                let report = try source.copy(to: destination, actor: actor, workFolder: NSTemporaryDirectory()) { recording, copied in
                    if !quiet && copied { print("copied \(recording.uuid) (\(recording.fileBytes) bytes)") }
                }
                if !quiet {
                    print("\(report.copied) recordings copied, \(report.present) already there, \(report.auditRows) audit rows appended.")
                }
                for uuid in report.conflicts {
                    Console.error("Recording \(uuid) is in \(destination.path) with other content; it was left as it is there.")
                }
                return report.conflicts.isEmpty ? ExitStatus.ok : ExitStatus.invalid
            }
        }
    }
}
