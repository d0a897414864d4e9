/// What a conversion did.
public struct ConversionReport: Sendable, Equatable {
    /// The format read.
    public var format: InputFormat
    /// Events written to the recording (an output larger than a chunk counts once).
    public var events: Int
    /// Malformed asciicast lines, or ttyrec frames, that lenient conversion skipped.
    public var skippedLines: Int
    /// Session time of the last event.
    public var durationMicros: Int64
    /// Start of the session written to the metadata, in microseconds since 1970.
    public var startUnixMicros: Int64
    /// Events whose time went backwards and was clamped to the previous event's time.
    public var clampedTimes: Int
    /// Events of a type psrec does not import (unknown asciicast codes), left out.
    public var ignoredEvents: Int
    /// Sentences about what was approximated or dropped, one per kind of problem.
    public var warnings: [String]

    /// Creates a report.
    public init(format: InputFormat, events: Int = 0, skippedLines: Int = 0, durationMicros: Int64 = 0,
                startUnixMicros: Int64 = 0, clampedTimes: Int = 0, ignoredEvents: Int = 0, warnings: [String] = []) {
        self.format = format
        self.events = events
        self.skippedLines = skippedLines
        self.durationMicros = durationMicros
        self.startUnixMicros = startUnixMicros
        self.clampedTimes = clampedTimes
        self.ignoredEvents = ignoredEvents
        self.warnings = warnings
    }
}
