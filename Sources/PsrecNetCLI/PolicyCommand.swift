import ArgumentParser
import Foundation
import PsrecCLI
import PsrecNetwork

/// `psrec-net policy --server URL (--token-file F | --client-cert F --client-key F) [--ca F]
/// APP`: what `record --server --app` asks before a session starts. Prints
/// `recording=on|off policy=strict|best-effort` and exits 0, or exits 3 with a sentence when
/// the server cannot be asked. Hidden from the help.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Ask the server whether an application's sessions are recorded (for record --server).",
        shouldDisplay: false)

    @OptionGroup var connection: ServerOptions
    @Argument(help: "The application the session belongs to.") var application: String

    func run() throws {
        let target = try connection.target()
        let application = self.application
        do {
            let policy = try waitFor { try await StreamUploader.policy(of: application, target: target) }
            Console.writeAll(1, Array("recording=\(policy.recording ? "on" : "off") policy=\(policy.strict ? "strict" : "best-effort")\n".utf8))
        } catch let error as UploadError {
            Console.error(FailureTable.sentence(TerminalSafe.escape(error.message)))
            throw ExitCode(ExitStatus.invalid)
        }
    }
}
