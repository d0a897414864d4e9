/// A format `Exporter` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// asciinema 2.x: a JSON header line, then `[time, code, data]` lines with absolute times.
    /// <https://docs.asciinema.org/manual/asciicast/v2>
    case asciicastV2 = "asciicast-v2"
    /// asciinema 3.x: a JSON header line, then `[interval, code, data]` lines with times
    /// relative to the previous event. <https://docs.asciinema.org/manual/asciicast/v3>
    case asciicastV3 = "asciicast-v3"
    /// The final text of the session as a person would read it on the terminal: scrollback
    /// and the final main screen, as `TerminalScreen` draws them.
    case txt
}

/// What an export did.
public struct ExportReport: Sendable, Equatable {
    /// The format written.
    public var format: ExportFormat
    /// Events written (asciicast lines after the header; for txt, output events drawn).
    public var events: Int
    /// Invalid UTF-8 sequences in output or input replaced by U+FFFD (asciicast holds text).
    public var replacedSequences: Int
    /// Events the format has no place for (keyboard-command and click indicators,
    /// redactions, gaps, screen images, and the exit status in asciicast v2), left out.
    public var leftOutEvents: Int
    /// Session time of the last event.
    public var durationMicros: Int64
    /// Sentences about what was approximated or dropped.
    public var warnings: [String]

    /// Creates a report.
    public init(format: ExportFormat, events: Int = 0, replacedSequences: Int = 0, leftOutEvents: Int = 0,
                durationMicros: Int64 = 0, warnings: [String] = []) {
        self.format = format
        self.events = events
        self.replacedSequences = replacedSequences
        self.leftOutEvents = leftOutEvents
        self.durationMicros = durationMicros
        self.warnings = warnings
    }
}

/// Why an export failed, as one sentence naming the file.
/// Equality compares the code only.
public struct ExportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The recording cannot be opened or read.
        case unreadableInput
        /// The output cannot be written.
        case outputFailed
        /// The output exists and replacing it was not asked for.
        case outputExists
        /// The output path names the input file.
        case outputIsInput
    }

    public let code: Code
    /// The file concerned, as the caller named it.
    public let file: String
    /// What is wrong.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, file: String, reason: String) {
        self.code = code
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }

    public static func == (lhs: ExportError, rhs: ExportError) -> Bool { lhs.code == rhs.code }
}
