import ArgumentParser
import Foundation
import Logging
import PsrecCLI
import PsrecNetwork
import PsrecStream

/// `psrec-net follow --server URL (--token-file F | --client-cert F --client-key F) [--ca F]
/// FILE`: what `record --server` starts beside the session. Streams FILE while its recorder
/// writes it, until standard input ends (the recorder closes it when the session is over),
/// then sends the rest and says on stderr how it ended. Not for people: hidden from the help.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Stream a recording while its recorder writes it (started by record --server).",
        shouldDisplay: false)

    @OptionGroup var connection: ServerOptions
    @Argument(help: ArgumentHelp("The recording being written.", valueName: "file")) var file: String

    func run() throws {
        // The recorder may be gone by the time the last sentence is written.
        signal(SIGPIPE, SIG_IGN)
        let target = try connection.target()
        let uploader = StreamUploader(target: target, path: file, following: true,
                                      logger: Logger(label: "psrec.follow", factory: { _ in SwiftLogNoOpLogHandler() }), maxAttempts: 3)
        // The recorder closes our standard input when the session has ended.
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(0, &byte, 1) > 0 {}
            uploader.finish()
        }
        let shown = TerminalSafe.escape(file)
        do {
            let result = try waitFor { try await uploader.run() }
            if result.position.complete { return }
            Console.error("The server holds \(shown) up to byte \(result.position.committedBytes), without its end; psrec upload sends the rest from the file.")
            throw ExitCode(ExitStatus.truncated)
        } catch let error as UploadError {
            Console.error("The recording was not streamed in full: \(FailureTable.clause(TerminalSafe.escape(error.message))). It is kept in \(shown); psrec upload sends it later.")
            throw ExitCode(ExitStatus.invalid)
        }
    }
}
