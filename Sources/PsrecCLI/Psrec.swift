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
    /// Sets up the allocator as every psrec program wants it; call first thing.
    ///
    /// Buffers of a megabyte or more (decoded chunks, up to 32 MiB) are mapped and unmapped
    /// each time. By default glibc raises its mmap threshold to the size of the largest block
    /// freed, after which such buffers come from the heap and their pages stay resident:
    /// `import` of a file of 16 MiB chunks peaked at 72 MiB instead of 47 (ImportBoundsTests).
    /// A fixed threshold keeps peak memory following the chunk in hand.
    public static func configureAllocator() {
        #if os(Linux)
        _ = mallopt(mmapThreshold, 1 << 20)
        #endif
    }

    /// Parses the process arguments, runs the command and exits.
    ///
    /// What ArgumentParser itself prints about a value it could not parse quotes that value
    /// as typed; each line of its message is escaped as every other message is, so an
    /// argument carrying escape sequences never reaches the terminal raw.
    /// - Parameter carriesPostgres: whether this program has the PostgreSQL store installed
    ///   (`psrec-net`); `psrec` hands a command naming a PostgreSQL catalog to `psrec-net`.
    public static func run(carriesPostgres: Bool = false) {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if !carriesPostgres && NetworkTool.namePostgresCatalog(arguments) {
                try NetworkTool.exec(arguments, what: "A PostgreSQL catalog is opened by psrec-net")
            }
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

#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (malloc.h, which the Glibc module leaves out).
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_MMAP_THRESHOLD` in malloc.h.
private let mmapThreshold: Int32 = -3
#endif
