/// What went wrong in a catalog operation, as one sentence for people.
///
/// The message says what is wrong in the catalog's terms and never names a command-line
/// flag or command: a program using the catalog maps `code` to its own advice and exit
/// status (the psrec CLI's `FailureTable`). Equality compares the code only, so tests can
/// match on the kind of failure.
public struct CatalogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The kinds of failure.
    public enum Code: String, Sendable, CaseIterable {
        /// The catalog file does not exist (and was not to be created).
        case catalogMissing
        /// The catalog file cannot be opened, is not SQLite, or is not a psrec catalog.
        case cannotOpen
        /// No recording matches the ID given (or it was deleted meanwhile).
        case notFound
        /// No application of that name is in the catalog.
        case applicationNotFound
        /// An application of that name is already in the catalog.
        case applicationExists
        /// An ID prefix matches more than one recording.
        case ambiguous
        /// The acting user may not do this (the refusal is in the audit log).
        case refused
        /// A name cannot be a user's (empty, too long, invisible characters, reserved).
        case invalidUserName
        /// A recording ID is neither a UUID nor a prefix of 4 or more hex digits.
        case invalidRecordingID
        /// A session protocol the catalog does not define (only ssh and rdp).
        case unknownProtocol
        /// A condition names a column the recordings table does not have.
        case unknownColumn
        /// A text search has no letter or digit to look for.
        case emptyTextSearch
        /// The manage right was asked for on one recording; it is granted per application.
        case managePerRecording
        /// The same recording ID is already in the catalog with different content.
        case conflict
        /// A file cannot be imported (not a psrec file, corrupt, unreadable).
        case unimportable
        /// The recording is under legal hold, so it was not deleted.
        case legalHold
        /// Another process held the catalog longer than the command waits.
        case busy
        /// SQLite reported an error, or stored content does not match its digest.
        case database
        /// The disk holding the catalog is full (SQLite's `SQLITE_FULL`); nothing of the
        /// change was stored.
        case storageFull
        /// No capture host of that name is in the catalog.
        case hostNotFound
        /// A capture host of that name is already in the catalog.
        case hostExists
        /// A name cannot be a capture host's (empty, too long, or a character other than
        /// letters, digits, '.', '-' and '_').
        case invalidHostName
        /// The recording is not being streamed by this host: another host streams it, or it
        /// was imported from a file (the refusal is in the audit log).
        case ingestNotYours
        /// A chunk was sent for another place than where the recording ends in the catalog.
        case ingestOutOfOrder
        /// A chunk or an end was sent for a recording whose trailer is stored: nothing more
        /// is accepted.
        case ingestComplete
        /// A streamed chunk or trailer fails a check of the format; it was not stored.
        case ingestBadChunk
        /// Another connection (of this server or another) receives the recording, or
        /// another `prune` runs retention, and its lease has not expired.
        case leaseHeld
        /// No user of that name has a web login (a password).
        case userNotFound
        /// The user already has a web login.
        case userExists
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming what failed, in the catalog's terms.
    public var message: String
    /// Where the error was made, for debugging.
    public var location: String

    /// Creates an error. A message that ends in a doubled full stop (an embedded message
    /// that had its own) keeps one.
    public init(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message.hasSuffix("..") && !message.hasSuffix("...") ? String(message.dropLast()) : message
        self.location = "\(fileID):\(line)"
    }

    /// Another component's message made fit to go inside a sentence: without surrounding
    /// spaces or its final full stops, so that "cannot be opened: \(clause(m))." never ends
    /// in "..".
    public static func clause(_ message: String) -> String {
        var text = Substring(message).drop { $0.isWhitespace }
        while let last = text.last, last == "." || last.isWhitespace { text = text.dropLast() }
        return String(text)
    }

    public var description: String { message }

    public static func == (a: CatalogError, b: CatalogError) -> Bool { a.code == b.code }
}
