/// What went wrong in a catalog operation, as one sentence for people.
///
/// Equality compares the code only, so tests can match on the kind of failure.
public struct CatalogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kinds of failure.
    public enum Code: String, Sendable {
        /// The catalog file cannot be opened, is not SQLite, or is not a psrec catalog.
        case cannotOpen
        /// No recording, application or user matches the name or ID given.
        case notFound
        /// An ID prefix matches more than one recording.
        case ambiguous
        /// The acting user may not do this (the refusal is in the audit log).
        case refused
        /// An argument is wrong: an unknown column, a malformed date, an unknown kind.
        case invalidArgument
        /// The same recording ID is already in the catalog with different content.
        case conflict
        /// A file cannot be imported (not a psrec file, damaged, unreadable).
        case unimportable
        /// The recording is under legal hold, so it was not deleted.
        case legalHold
        /// Another process held the catalog longer than the command waits.
        case busy
        /// SQLite reported an error.
        case database
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming what failed and, where it helps, what to do.
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

    public static func == (a: CatalogError, b: CatalogError) -> Bool { a.code == b.code }
}
