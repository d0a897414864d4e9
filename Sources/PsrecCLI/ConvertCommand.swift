import ArgumentParser
import PsrecFormat
import PsrecInterop

/// `psrec convert IN -o OUT.psrec`.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert an asciicast (v1, v2, v3), ttyrec, util-linux script or sudo I/O log recording to .psrec.",
        discussion: """
        The input format is detected from the content; a directory is read as a sudo I/O log. \
        A script recording is given as its typescript with --timing, or with script's own \
        flags (--log-io, or --log-out and --log-in, with --log-timing); an advanced timing \
        file alone is enough when the logs it names are beside it. Timing is kept to the microsecond; \
        asciicast markers become marker indicators and input stays input. A malformed input \
        line is an error naming the line, unless --lenient skips such lines and reports how many. \
        Exit status: 0 converted, 3 the input cannot be converted (nothing is left at OUT), \
        64 usage error.
        """)

    @Argument(help: "The recording to convert (a file, a sudo I/O log directory, or a script typescript with --timing); - reads standard input (a live stream is written as it arrives).")
    var input: String?

    @Option(name: [.customLong("timing"), .customLong("log-timing")], help: ArgumentHelp("The timing file of a util-linux script recording.", valueName: "file"))
    var timing: String?

    @Option(name: .customLong("log-io"), help: ArgumentHelp("script's --log-io file (output and input in one file).", valueName: "file"))
    var logIO: String?

    @Option(name: .customLong("log-out"), help: ArgumentHelp("script's --log-out file.", valueName: "file"))
    var logOut: String?

    @Option(name: .customLong("log-in"), help: ArgumentHelp("script's --log-in file.", valueName: "file"))
    var logIn: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("The .psrec file to write.", valueName: "out"))
    var output: String

    @Option(help: "User the session ran as (metadata).")
    var user: String?

    @Option(help: "Application the session belongs to (metadata).")
    var app: String?

    @Option(help: "Host the session ran on (metadata).")
    var host: String?

    @Flag(help: "Skip malformed lines (and a torn last line or frame) instead of failing.")
    var lenient = false

    @Flag(name: .long, help: "Replace OUT if it exists.")
    var force = false

    @OptionGroup var compression: CompressionOptions

    @Option(help: ArgumentHelp("Close a chunk once it spans this much session time (default 1m from a file, 1s from a live stream on standard input).", valueName: "time"),
            transform: SessionTime.parsePositive)
    var chunkInterval: SessionTime?

    /// A converted file is complete before psrec sees it, so its chunks need not close every
    /// second as a live capture's must (a crash loses nothing that cannot be converted again):
    /// longer chunks compress like the whole stream, where one-second chunks of an interactive
    /// session hold a few hundred bytes each and cost 3× the size and time (Benchmarks/).
    static let fileChunkIntervalMicros: Int64 = 60_000_000

    func validate() throws {
        try validateScriptFiles()
    }

    /// Standard input may be a session still being recorded: its chunks close every second.
    var readsLiveStream: Bool { timing == nil && (input == nil || input == "-") }

    func run() throws {
        try reporting {
            var options = ConversionOptions(user: user, application: app, host: host, lenient: lenient)
            options.writer = try compression.writerOptions()
            options.writer.chunkIntervalMicros = chunkInterval?.micros
                ?? (readsLiveStream ? options.writer.chunkIntervalMicros : Self.fileChunkIntervalMicros)
            // Parsing the input and compressing the chunks overlap on two cores.
            options.writer.writeInBackground = true
            let report: ConversionReport
            if let timing {
                report = try convertScript(timing: timing, options: options)
            } else if let input, input != "-" {
                report = try Converter.convert(inputPath: input, outputPath: output, options: options, overwrite: force)
            } else {
                if let stdin = FileIdentity(fileDescriptor: 0), FileIdentity(path: output) == stdin {
                    throw CommandFailure("\(TerminalSafe.escape(output)) is the file on standard input; choose another output path.", status: ExitStatus.usage)
                }
                report = try Converter.convert(reading: FileInput(fileDescriptor: 0, name: "standard input"), outputPath: output, options: options, overwrite: force)
            }
            var summary = "Converted \(TerminalSafe.escape(shownInput)) (\(report.format.rawValue)) to \(TerminalSafe.escape(output)): \(report.events) events, \(TimeFormat.clock(report.durationMicros))"
            if report.skippedLines > 0 { summary += "; skipped \(report.skippedLines) malformed line(s)" }
            Console.error(summary + ".")
            for warning in report.warnings { Console.error("warning: " + TerminalSafe.escape(warning)) }
            return ExitStatus.ok
        }
    }
}
