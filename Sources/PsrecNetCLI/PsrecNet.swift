public import ArgumentParser
import PsrecCLI

/// `psrec-net`: the commands that talk over the network. `psrec serve` and `psrec upload`
/// run it, and `psrec record --server` starts its `follow` beside the session, so that the
/// `psrec` binary every other command (and the recorder) runs carries no network or TLS
/// code.
public struct PsrecNet: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "psrec",
        abstract: "The network commands of psrec: serve, upload.",
        version: PsrecVersion.string,
        subcommands: [ServeCommand.self, UploadCommand.self, FollowCommand.self, PolicyCommand.self])

    public init() {}

    /// Parses the process arguments, runs the command and exits.
    public static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
