public import ArgumentParser

/// The `psrec` command: record, verify, find and play session recordings.
public struct Psrec: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "psrec",
        abstract: "Record, verify, convert and inspect SSH and RDP session recordings (.psrec).",
        discussion: """
        Exit status: 0 success (complete file), 1 truncated file (still readable), \
        2 corrupt file (corrupt parts skipped), 3 not a psrec file or unreadable, \
        64 usage error, 77 access refused by the catalog (--as). Each command's help \
        gives its own details.
        """,
        version: PsrecVersion.string,
        subcommands: [InfoCommand.self, CatCommand.self, EventsCommand.self, ConvertCommand.self, VerifyCommand.self, KeyCommand.self, RepairCommand.self, RecordCommand.self, PlayCommand.self, RenderCommand.self, ContactSheetCommand.self, RecordScreenCommand.self,
                      ImportCommand.self, IndexCommand.self, ExportCommand.self, SearchCommand.self, AppCommand.self, GrantCommand.self,
                      RevokeCommand.self, LegalHoldCommand.self, DeleteCommand.self, PruneCommand.self, StatsCommand.self, HostCommand.self, UserCommand.self, CatalogCommand.self, ServeForwarder.self, UploadForwarder.self])

    public init() {}
}

/// The toolkit version.
public enum PsrecVersion {
    public static let string = "0.1.0"
}

/// Entry point for the `psrec` executable.
public enum PsrecMain {
    /// Parses the process arguments, runs the command and exits.
    ///
    /// What ArgumentParser itself prints about a value it could not parse quotes that value
    /// as typed; each line of its message is escaped as every other message is, so an
    /// argument carrying escape sequences never reaches the terminal raw.
    public static func run() {
        do {
            var command = try Psrec.parseAsRoot()
            try command.run()
        } catch {
            let status = Psrec.exitCode(for: error)
            guard status != .success, !(error is ExitCode) else { Psrec.exit(withError: error) }
            let message = Psrec.fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { TerminalSafe.escape(String($0)) }.joined(separator: "\n")
            Console.writeAll(2, Array((message.hasSuffix("\n") ? message : message + "\n").utf8))
            Psrec.exit(withError: ExitCode(status.rawValue))
        }
    }
}
