import PsrecCatalog
import PsrecFormat
import PsrecInterop
import PsrecPlayback
import PsrecScreen

/// The one table from the libraries' typed errors to what the command line says and
/// returns: the exit status for each error code, and the advice that names this CLI's
/// flags (the libraries' messages never name a flag; they say what is wrong, this table
/// says what to type). No status is chosen by reading a message.
enum FailureTable {
    /// What a command prints (one sentence, metadata escaped) and the status it exits with.
    struct Failure: Equatable {
        var message: String
        var status: Int32
    }

    static func failure(for error: any Error) -> Failure? {
        switch error {
        case let failure as CommandFailure:
            return Failure(message: failure.message, status: failure.status)
        case let error as FormatError:
            return Failure(message: sentence(error.description), status: error.code == .misuse ? ExitStatus.usage : ExitStatus.invalid)
        case let error as CatalogError:
            let status: Int32 = switch error.code {
            case .refused: ExitStatus.refused
            case .invalidArgument: ExitStatus.usage
            default: ExitStatus.invalid
            }
            return Failure(message: sentence(error.message), status: status)
        case let error as ConversionError:
            return Failure(message: sentence(error.description, advice: advice(error.code)), status: status(error.code))
        case let error as ExportError:
            return Failure(message: sentence(error.description, advice: advice(error.code)), status: status(error.code))
        case let error as PNGFile.Failure:
            return Failure(message: sentence(error.description), status: ExitStatus.invalid)
        case let error as PlaybackError:
            return Failure(message: sentence(error.message), status: ExitStatus.invalid)
        default:
            return nil
        }
    }

    static func status(_ code: ConversionError.Code) -> Int32 {
        switch code {
        case .outputIsInput: ExitStatus.usage
        case .needsMoreFiles: ExitStatus.usage
        case .unreadableInput, .unknownFormat, .malformedHeader, .malformedLine, .truncatedLine,
             .malformedFrame, .truncatedFrame, .truncatedData, .outputFailed: ExitStatus.invalid
        }
    }

    static func advice(_ code: ConversionError.Code) -> String? {
        switch code {
        case .needsMoreFiles:
            "give a script recording's timing file with --timing (classic) or --log-timing, its logs with --log-out, --log-in or --log-io, or a sudo I/O log's folder"
        case .malformedLine, .truncatedLine, .malformedFrame: "--lenient skips what does not parse"
        default: nil
        }
    }

    static func status(_ code: ExportError.Code) -> Int32 {
        switch code {
        case .outputExists, .outputIsInput: ExitStatus.usage
        case .unreadableInput, .outputFailed: ExitStatus.invalid
        }
    }

    static func advice(_ code: ExportError.Code) -> String? {
        code == .outputExists ? "give --force to replace it" : nil
    }

    /// One sentence: the escaped message, the advice after a semicolon, a full stop.
    static func sentence(_ message: String, advice: String? = nil) -> String {
        var text = TerminalSafe.escape(message)
        while text.hasSuffix(".") { text.removeLast() }
        if let advice { text += "; " + advice }
        return text + "."
    }
}
