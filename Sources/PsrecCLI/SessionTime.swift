import ArgumentParser

/// A session time or length on the command line, parsed once by ArgumentParser.
///
/// A bare number is seconds, as everywhere psrec takes a duration: `90`, `1.5`; also
/// `m:ss` and `h:mm:ss` (`1:30`, `1:02:03.25`) and a number with a unit (`500ms`, `90s`,
/// `2m`, `1h`). Ages and periods in the catalog (`90d`) are `CatalogPeriod`, which refuses
/// a bare number because seconds make no sense there.
struct SessionTime: ExpressibleByArgument, Equatable, CustomStringConvertible {
    /// Microseconds of session time.
    var micros: Int64

    init(micros: Int64) { self.micros = micros }

    init?(argument: String) {
        guard let micros = TimeFormat.parseMicros(argument) else { return nil }
        self.micros = micros
    }

    /// Parses `text`, or throws one sentence saying what a session time looks like (the
    /// `transform:` of options, so that the user reads why, not only that).
    static func parse(_ text: String) throws -> SessionTime {
        guard let time = SessionTime(argument: text) else { throw ValidationError(problemSentence) }
        return time
    }

    /// A positive session time, as `parse`.
    static func parsePositive(_ text: String) throws -> SessionTime {
        let time = try parse(text)
        guard time.micros > 0 else { throw ValidationError("a length of zero is not one; give a positive time such as 1s or 500ms.") }
        return time
    }

    static let problem = "it is not a session time; give seconds (90 or 1.5), m:ss (1:30), or a number with a unit (500ms, 2m, 1h)"

    /// `problem` as a sentence.
    static var problemSentence: String { problem + "." }

    var description: String { TimeFormat.clock(micros) }
}
