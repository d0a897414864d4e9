public import ArgumentParser
import PsrecCLI
import PsrecCatalogPostgres
import Foundation

/// `psrec-net`: the commands that talk over the network. `psrec serve` and `psrec upload`
/// run it, `psrec record --server` starts its `follow` beside the session, and psrec hands
/// it any command naming a PostgreSQL catalog (which it runs as psrec would, with the
/// PostgreSQL store installed), so that the `psrec` binary every other command (and the
/// recorder) runs carries no network or TLS code.
public struct PsrecNet: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "psrec",
        abstract: "The network commands of psrec: serve, upload.",
        version: PsrecVersion.string,
        subcommands: [ServeCommand.self, UploadCommand.self, FollowCommand.self, PolicyCommand.self])

    public init() {}

    /// Parses the process arguments, runs the command and exits.
    public static func main() {
        PsrecMain.configureAllocator()
        PostgresCatalogDriver.install()
        let own = Set(configuration.subcommands.map { $0._commandName } + ["help", "-h", "--help", "--version"])
        if let first = CommandLine.arguments.dropFirst().first, !own.contains(first) {
            // Any other psrec command: psrec handed it here for its PostgreSQL catalog.
            PsrecMain.run(carriesPostgres: true)
            Foundation.exit(0)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
