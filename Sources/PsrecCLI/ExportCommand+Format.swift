import ArgumentParser
import Foundation
import PsrecFormat
import PsrecInterop
import PsrecPlayback

/// `--format`: the `ExportFormat` names.
struct ExportFormatArgument: ExpressibleByArgument {
    /// A terminal format, or nil for `mp4` (a video of a screen recording).
    let format: ExportFormat?

    var isVideo: Bool { format == nil }

    init?(argument: String) {
        if argument == "mp4" {
            format = nil
            return
        }
        guard let format = ExportFormat(rawValue: argument) else { return nil }
        self.format = format
    }

    static var allValueStrings: [String] { ExportFormat.allCases.map(\.rawValue) + ["mp4"] }
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
    cannot be read or OUT cannot be written (nothing is left at OUT), 64 usage error. \
    mp4 is a video of a screen (RDP) recording, drawn at --fps frames per second and encoded \
    by ffmpeg (which must be installed); --speed and --skip-inactivity[=S] shorten it.
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

    func runVideoExport() throws {
        try reporting {
            if !force && FileManager.default.fileExists(atPath: output) {
                throw CommandFailure("\(TerminalSafe.escape(output)) exists; give --force to replace it.", status: ExitStatus.usage)
            }
            let reader = try RecordingFile.open(id)
            guard reader.metadata?.sessionProtocol != .ssh else {
                throw CommandFailure("\(TerminalSafe.escape(id)) is a terminal recording; export it as asciicast-v2, asciicast-v3 or txt.")
            }
            var exporter = VideoExporter(reader: reader)
            exporter.framesPerSecond = fps
            exporter.speed = speed
            exporter.skipInactivityMicros = skipInactivity?.micros
            let frames = try exporter.write(to: output)
            Console.error("Exported \(TerminalSafe.escape(id)) as mp4 to \(TerminalSafe.escape(output)): \(frames) frames at \(fps) fps.")
            return ExitStatus.of(reader.status) == ExitStatus.corrupt ? ExitStatus.corrupt : ExitStatus.ok
        }
    }

    func runFormatExport() throws {
        if format?.isVideo == true { return try runVideoExport() }
        guard let format = format?.format else { return }
        try reporting {
            let report: ExportReport
            report = try Exporter.export(inputPath: id, outputPath: output, format: format, overwrite: force)
            var summary = "Exported \(TerminalSafe.escape(id)) as \(format.rawValue) to \(TerminalSafe.escape(output)): "
            summary += format == .txt ? "\(report.events) output events drawn" : "\(report.events) events"
            Console.error(summary + ", \(TimeFormat.clock(report.durationMicros)).")
            for warning in report.warnings { Console.error("warning: " + TerminalSafe.escape(warning)) }
            return ExitStatus.ok
        }
    }
}
