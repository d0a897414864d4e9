/// What went wrong in the capture library, as one sentence for people.
///
/// The message never names a command-line flag: a program using the library maps `code`
/// to its own advice and exit status (the psrec CLI's `FailureTable`). Equality compares
/// the code only.
public struct CaptureError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kinds of failure.
    public enum Code: String, Sendable, CaseIterable {
        /// The account a session is to run as does not exist on this host.
        case noSuchAccount
        /// The session is to run as the user who started psrec through sudo, but psrec was
        /// not started through sudo (`SUDO_UID` is not set).
        case notStartedThroughSudo
        /// Switching this process to the session's account failed, or root could be regained.
        case cannotSwitchAccount
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming what failed.
    public var message: String
    /// Where the error was made, for debugging.
    public var location: String

    /// Creates an error.
    public init(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    public var description: String { message }

    public static func == (a: CaptureError, b: CaptureError) -> Bool { a.code == b.code }
}
