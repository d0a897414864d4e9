import PsrecCapture
import PsrecCatalog
import PsrecFormat
import PsrecInterop
import PsrecPlayback
import PsrecScreen

/// The one table from the libraries' typed errors to what the command line says and
/// returns: the exit status for each error code, and the advice that names this CLI's
/// flags (the libraries' messages never name a flag; they say what is wrong, this table
/// says what to type). No status is chosen by reading a message.
package enum FailureTable {
    /// What a command prints (one sentence, metadata escaped) and the status it exits with.
    package struct Failure: Equatable {
        package var message: String
        package var status: Int32
        package init(message: String, status: Int32) {
            self.message = message
            self.status = status
        }
    }

    package static func failure(for error: any Error) -> Failure? {
        switch error {
        case let failure as CommandFailure:
            return Failure(message: failure.message, status: failure.status)
        case let error as FormatError:
            return Failure(message: sentence(error.description), status: error.code == .misuse ? ExitStatus.usage : ExitStatus.invalid)
        case let error as CatalogError:
            return Failure(message: sentence(error.message, advice: advice(error.code)), status: status(error.code))
        case let error as CaptureError:
            return Failure(message: sentence(error.message, advice: advice(error.code)), status: status(error.code))
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

    static func status(_ code: CatalogError.Code) -> Int32 {
        switch code {
        case .refused, .ingestNotYours: ExitStatus.refused
        case .invalidUserName, .invalidRecordingID, .unknownProtocol, .unknownColumn, .emptyTextSearch,
             .managePerRecording, .applicationExists, .hostExists, .invalidHostName, .userExists: ExitStatus.usage
        case .catalogMissing, .cannotOpen, .notFound, .applicationNotFound, .ambiguous, .conflict,
             .unimportable, .legalHold, .busy, .database, .storageFull, .hostNotFound,
             .ingestOutOfOrder, .ingestComplete, .ingestBadChunk, .userNotFound, .leaseHeld: ExitStatus.invalid
        }
    }

    static func advice(_ code: CatalogError.Code) -> String? {
        switch code {
        case .catalogMissing: "`psrec import --db` with this path creates it"
        case .applicationNotFound: "`psrec app add` adds it"
        case .applicationExists: "`psrec app enable`, `disable` or `set-retention` changes it"
        case .managePerRecording: "grant it with --app"
        case .legalHold: "`psrec legal-hold --release` ends the hold"
        case .unknownColumn: "--where takes COLUMN=VALUE"
        case .emptyTextSearch: "--text takes words"
        case .hostNotFound: "`psrec host list` lists the capture hosts"
        case .hostExists: "`psrec host revoke` revokes its token; a new token needs a new name"
        case .userNotFound: "`psrec user add` gives a user a web login"
        case .userExists: "`psrec user passwd` changes the password"
        default: nil
        }
    }

    static func status(_ code: CaptureError.Code) -> Int32 {
        switch code {
        case .noSuchAccount, .notStartedThroughSudo, .cannotSwitchAccount: ExitStatus.invalid
        }
    }

    static func advice(_ code: CaptureError.Code) -> String? {
        switch code {
        case .noSuchAccount: "--run-as needs an existing user"
        case .notStartedThroughSudo: "--run-as-sudo-user needs psrec started through sudo, as the README's SSH gateway setup shows"
        case .cannotSwitchAccount: nil
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
    package static func sentence(_ message: String, advice: String? = nil) -> String {
        var text = clause(TerminalSafe.escape(message))
        if let advice { text += "; " + advice }
        return text + "."
    }

    /// A message made fit to go inside a sentence: without its final full stops and spaces,
    /// so that "cannot be read: \(clause(m))." never ends in "..".
    package static func clause(_ message: String) -> String {
        var text = Substring(message)
        while let last = text.last, last == "." || last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
