import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// `psrec delete --db DB ID`.
struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete one recording from a catalog, with its content.",
        discussion: "A recording under legal hold is not deleted. Recorded in the audit log. With --as, the user must manage the recording's application. Exit status: 0 deleted, 3 not found or under legal hold, 64 usage error, 77 refused.")

    @OptionGroup var catalog: CatalogOptions

    @Argument(help: ArgumentHelp("The recording's ID (its UUID or a unique prefix).", valueName: "id"))
    var id: String

    @Option(help: "Why (kept in the audit log).")
    var reason: String?

    func run() throws {
        try reporting {
            let store = try catalog.open()
            let principal = try catalog.principal
            let recording = try store.recording(id, as: principal)
            try store.authorize(.delete, recording, as: principal)
            try store.delete(recording, reason: reason ?? "deleted by hand", by: principal)
            try store.reclaimSpace()
            Console.error("Deleted recording \(recording.uuid).")
            return ExitStatus.ok
        }
    }
}
