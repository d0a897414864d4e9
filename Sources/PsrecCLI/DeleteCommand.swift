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
            let recording = try store.recording(id)
            try store.authorize(.delete, recording, as: catalog.principal)
            if recording.legalHold {
                throw CommandFailure("Recording \(recording.uuid) is under legal hold and was not deleted; `psrec legal-hold --release` ends the hold.")
            }
            try store.delete(recording, reason: reason ?? "deleted by hand", by: catalog.principal)
            try store.reclaimSpace()
            Console.error("Deleted recording \(recording.uuid).")
            return ExitStatus.ok
        }
    }
}
