import Foundation
import Logging
import PsrecNetwork
import PsrecStream

/// `record --server`: the recording streamed while the session runs, from the file the
/// recorder writes. Nothing of it reaches the session's terminal until the session ends.
final class RecordingStream: Sendable {
    /// How long the end of the session waits for the server to acknowledge the rest.
    static let finishSeconds = 10.0

    let uploader: StreamUploader
    let outcome = ResultBox<UploadResult>()
    let done = DispatchSemaphore(value: 0)

    init(target: UploadTarget, path: String) {
        uploader = StreamUploader(target: target, path: path, following: true,
                                  logger: Logger(label: "psrec.record", factory: { _ in SwiftLogNoOpLogHandler() }), maxAttempts: 3)
        let uploader = self.uploader, outcome = self.outcome, done = self.done
        Task.detached {
            do { outcome.set(.success(try await uploader.run())) } catch { outcome.set(.failure(error)) }
            done.signal()
        }
    }

    /// The session has ended and the file is closed: sends the rest, and says on stderr if
    /// the server does not hold it all.
    func finish(path: String) {
        uploader.finish()
        let shown = TerminalSafe.escape(path)
        guard done.wait(timeout: .now() + Self.finishSeconds) == .success, let result = outcome.get() else {
            Console.error("The server has not acknowledged all of \(shown) yet; psrec upload sends the rest from the file.")
            return
        }
        switch result {
        case .success(let upload) where upload.position.complete:
            break
        case .success(let upload):
            Console.error("The server holds \(shown) up to byte \(upload.position.committedBytes), without its end; psrec upload sends the rest from the file.")
        case .failure(let error):
            let message = (error as? UploadError)?.message ?? String(describing: error)
            Console.error("The recording was not streamed in full: \(FailureTable.clause(TerminalSafe.escape(message))). It is kept in \(shown); psrec upload sends it later.")
        }
    }
}

