internal import PsrecFormat

/// Feeds imported events to a `RecordingWriter`: clamps times that go backwards, counts
/// what was skipped or left out, and turns writer failures into `ConversionError`s.
final class ImportSession {
    /// Longest marker label kept; longer ones are cut (they go into every index chunk).
    static let maxMarkerLabelBytes = 4096

    let context: ImportContext
    private let writer: RecordingWriter
    // Touched on every event by the one converting thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) private(set) var report: ConversionReport
    @exclusivity(unchecked) private var lastMicros: Int64 = 0
    private var firstClamp: InputLocation?
    private var firstIgnored: (code: String, location: InputLocation)?
    private var firstSkipped: (reason: String, location: InputLocation)?
    private var cutLabels = 0
    private var extraWarnings: [String] = []

    /// Creates the writer with `metadata` (which gets the options' user, application and host).
    init(format: InputFormat, metadata: RecordingMetadata, context: ImportContext, warnings: [String] = []) throws(ConversionError) {
        self.context = context
        var metadata = metadata
        metadata.user = context.options.user ?? metadata.user
        metadata.application = context.options.application ?? metadata.application
        metadata.host = context.options.host ?? metadata.host
        metadata.captureTool = "psrec convert"
        metadata.captureToolVersion = format.rawValue
        do {
            writer = try context.factory.makeWriter(metadata)
        } catch {
            throw ConversionError(.outputFailed, file: context.outputName, reason: "cannot start the recording (\(error.message))")
        }
        report = ConversionReport(format: format, startUnixMicros: metadata.startUnixMicros)
        extraWarnings = warnings
    }

    /// The start time to record: the options', else the input's, else the fallback, else 0.
    static func startMicros(input: Int64?, context: ImportContext, warnings: inout [String]) -> Int64 {
        if let forced = context.options.startUnixMicros { return forced }
        if let input { return input }
        if let fallback = context.fallbackStartMicros {
            warnings.append("\(context.inputName) gives no start time; the file's modification time was used instead")
            return fallback
        }
        warnings.append("\(context.inputName) gives no start time; the recording says it started at 1970-01-01T00:00:00Z")
        return 0
    }

    /// Appends an event at `micros`, clamping a time before the previous event's to it.
    func append(_ event: Event, atMicros micros: Int64, at location: InputLocation) throws(ConversionError) {
        var event = event
        if case .marker(let label) = event, label.utf8.count > Self.maxMarkerLabelBytes {
            event = .marker(String(decoding: label.utf8.prefix(Self.maxMarkerLabelBytes), as: UTF8.self))
            cutLabels += 1
        }
        try write(atMicros: micros, at: location) { (time) throws(FormatError) in try writer.append(event, atMicros: time) }
    }

    /// Appends terminal output from a buffer at `micros` (as `append`), without a copy.
    func appendOutput(_ bytes: UnsafeRawBufferPointer, atMicros micros: Int64, at location: InputLocation) throws(ConversionError) {
        try write(atMicros: micros, at: location) { (time) throws(FormatError) in try writer.appendOutput(bytes, atMicros: time) }
    }

    /// Clamps the time, runs `body` with it, and counts the event; a writer error becomes a
    /// conversion error naming where the event came from.
    private func write(atMicros micros: Int64, at location: InputLocation, _ body: (Int64) throws(FormatError) -> Void) throws(ConversionError) {
        var time = micros
        if time < lastMicros {
            time = lastMicros
            noteClamped(at: location)
        }
        do {
            try body(time)
        } catch {
            throw ConversionError(.outputFailed, file: context.outputName, reason: "cannot write the event from \(context.inputName) \(location) (\(error.message))")
        }
        lastMicros = time
        report.events += 1
    }

    /// Notes a time that went backwards and was clamped.
    func noteClamped(at location: InputLocation) {
        report.clampedTimes += 1
        if firstClamp == nil { firstClamp = location }
    }

    /// Notes a last line or frame cut short that lenient conversion skipped.
    func skipTorn(_ sentence: String) {
        report.skippedLines += 1
        extraWarnings.append(sentence)
    }

    /// Notes an event of a type psrec does not import.
    func ignore(code: String, at location: InputLocation) {
        report.ignoredEvents += 1
        if firstIgnored == nil { firstIgnored = (code, location) }
    }

    /// Notes a malformed line that lenient conversion skipped.
    func skip(reason: String, at location: InputLocation) {
        report.skippedLines += 1
        if firstSkipped == nil { firstSkipped = (reason, location) }
    }

    /// Adds a warning sentence to the report.
    func warn(_ sentence: String) { extraWarnings.append(sentence) }

    /// Closes the recording and returns the report.
    func finish() throws(ConversionError) -> ConversionReport {
        do {
            try writer.close(endMicros: lastMicros)
        } catch {
            throw ConversionError(.outputFailed, file: context.outputName, reason: "cannot finish the recording (\(error.message))")
        }
        report.durationMicros = lastMicros
        var warnings = extraWarnings
        if let firstSkipped {
            warnings.append("\(count(report.skippedLines, "malformed line was", "malformed lines were")) skipped (first at \(firstSkipped.location): \(firstSkipped.reason))")
        }
        if let firstClamp {
            warnings.append("\(count(report.clampedTimes, "event time went", "event times went")) backwards and \(report.clampedTimes == 1 ? "was" : "were") clamped to the previous event's time (first at \(firstClamp))")
        }
        if let firstIgnored {
            warnings.append("\(count(report.ignoredEvents, "event", "events")) of a type psrec does not import \(report.ignoredEvents == 1 ? "was" : "were") left out (first: \"\(firstIgnored.code)\" at \(firstIgnored.location))")
        }
        if cutLabels > 0 {
            warnings.append("\(count(cutLabels, "marker label was", "marker labels were")) longer than \(Self.maxMarkerLabelBytes) bytes and cut")
        }
        report.warnings = warnings
        return report
    }

    private func count(_ n: Int, _ singular: String, _ plural: String) -> String {
        "\(n) \(n == 1 ? singular : plural)"
    }
}
