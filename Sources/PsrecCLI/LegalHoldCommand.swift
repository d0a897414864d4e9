import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// `psrec legal-hold --db DB ID [--release]`.
struct LegalHoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legal-hold",
        abstract: "Exempt a recording from deletion by prune, or (--release) end the exemption.",
        discussion: "Recorded in the audit log. With --as, the user must manage the recording's application. Exit status: 0 done, 3 not found, 64 usage error, 77 refused.")

    @OptionGroup var catalog: CatalogOptions

    @Argument(help: ArgumentHelp("The recording's ID (its UUID or a unique prefix).", valueName: "id"))
    var id: String

    @Flag(help: "Clear the hold.")
    var release = false

    @Option(help: "Why (kept in the audit log).")
    var reason: String?

    func run() throws {
        try reporting {
            let store = try catalog.open()
            let principal = try catalog.principal
            let recording = try store.recording(id, as: principal)
            try store.authorize(.hold, recording, as: principal)
            try store.setLegalHold(!release, on: recording, reason: reason, by: principal)
            Console.error("Recording \(recording.uuid) is \(release ? "no longer" : "now") under legal hold.")
            return ExitStatus.ok
        }
    }
}
