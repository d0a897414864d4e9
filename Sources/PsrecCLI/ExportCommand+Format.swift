import ArgumentParser
import PsrecInterop

/// `--format`: the `ExportFormat` names.
struct ExportFormatArgument: ExpressibleByArgument {
    let format: ExportFormat

    init?(argument: String) {
        guard let format = ExportFormat(rawValue: argument) else { return nil }
        self.format = format
    }

    static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) }
}

/// `psrec export FILE --format asciicast-v2|asciicast-v3|txt -o OUT`: a .psrec file in
/// another format, through `Exporter`.
extension ExportCommand {
    static let formatDiscussion = """
    asciicast v2 or v3 that asciinema plays (markers become "m", input "i", resizes "r", \
    and in v3 the exit status "x"; output that is not UTF-8 is replaced by U+FFFD with a \
    warning), or txt, the final text of the session as a person would read it: lines \
    scrolled off the screen, then the final screen, with full-screen programs (vim, less, \
    top) left out as the terminal leaves them out. Exit status: 0 written, 3 the input \
    cannot be read or OUT cannot be written (nothing is left at OUT), 64 usage error.
    """

    func validateForms() throws {
        if format != nil && db != nil {
            throw ValidationError("--format exports a .psrec file and --db a catalog recording; give one or the other.")
        }
        if format == nil && db == nil {
            throw ValidationError("Give --db DB to export a catalog recording, or --format asciicast-v2|asciicast-v3|txt to export a .psrec file.")
        }
        if format != nil && asUser != nil {
            throw ValidationError("--as applies to recordings in a catalog; give --db as well.")
        }
    }

    func runFormatExport() throws {
        guard let format = format?.format else { return }
        try reporting {
            let report: ExportReport
            do {
                report = try Exporter.export(inputPath: id, outputPath: output, format: format, overwrite: force)
            } catch let error as ExportError {
                if error.code == .outputFailed && error.reason.hasPrefix("exists") {
                    throw CommandFailure(TerminalSafe.escape(error.description) + ".", status: ExitStatus.usage)
                }
                throw CommandFailure(TerminalSafe.escape(error.description) + ".")
            }
            var summary = "Exported \(TerminalSafe.escape(id)) as \(format.rawValue) to \(TerminalSafe.escape(output)): "
            summary += format == .txt ? "\(report.events) output events drawn" : "\(report.events) events"
            Console.error(summary + ", \(TimeFormat.clock(report.durationMicros)).")
            for warning in report.warnings { Console.error("warning: " + TerminalSafe.escape(warning)) }
            return ExitStatus.ok
        }
    }
}
