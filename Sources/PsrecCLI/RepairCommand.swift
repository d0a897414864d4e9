import ArgumentParser
import Foundation
import PsrecFormat

/// `psrec repair IN -o OUT`.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Write a new, complete recording from every chunk of a corrupt or truncated one that passes its checks.",
        discussion: """
        The input is never modified. Wherever damage was skipped, the output holds a gap \
        event with the session time and byte range lost. `psrec verify OUT` then says complete. \
        Exit status: 0 repaired (or nothing needed repair), 3 the input is not a psrec file \
        or cannot be read or OUT cannot be written, 64 usage error.
        """)

    @Argument(help: "The corrupt or truncated recording.")
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The repaired file to write.", valueName: "out"))
    var output: String

    @Flag(name: .long, help: "Replace OUT if it exists.")
    var force = false

    @OptionGroup var compression: CompressionOptions

    func validate() throws {
        if input == output { throw ValidationError("OUT must differ from IN: repair never modifies its input.") }
    }

    func run() throws {
        try reporting {
            // Same file by identity, not by spelling: ./IN, a link or a hard link to IN.
            if FileIdentity.same(input, output) {
                throw CommandFailure("\(TerminalSafe.escape(output)) is the input file; repair never modifies its input, choose another output path.", status: ExitStatus.usage)
            }
            if !force && FileManager.default.fileExists(atPath: output) {
                throw CommandFailure("\(TerminalSafe.escape(output)) exists; give --force to replace it.", status: ExitStatus.usage)
            }
            let source = try FileSource(path: input)
            // Written beside OUT and renamed onto it when complete: a failed repair leaves an
            // existing OUT as it was.
            let sink = try FileSink.temporary(beside: output)
            let report: Repairer.Report
            do {
                report = try Repairer.repair(source, into: sink, options: try compression.writerOptions())
                guard rename(sink.path, output) == 0 else {
                    throw FormatError(.io, "\(output) cannot be put in place (\(String(cString: strerror(errno))))")
                }
            } catch let error as FormatError {
                try? sink.close()
                unlink(sink.path)
                if error.code == .badSignature {
                    throw CommandFailure("\(TerminalSafe.escape(input)) is not a psrec file (it does not start with the psrec signature); nothing was written.")
                }
                throw CommandFailure("Repairing \(TerminalSafe.escape(input)) failed: \(FailureTable.clause(TerminalSafe.escape(error.description))); nothing was written.")
            }
            let lostMicros = report.gaps.reduce(Int64(0)) { $0 + ($1.toMicros - $1.fromMicros) }
            let lostBytes = report.gaps.reduce(Int64(0)) { $0 + ($1.toOffset - $1.fromOffset) }
            var line = "Wrote \(TerminalSafe.escape(output)): \(report.events) events from \(report.chunksKept) chunks of \(TerminalSafe.escape(input)) (\(report.inputStatus.rawValue))"
            if !report.gaps.isEmpty {
                line += "; \(report.gaps.count) gap(s) mark what was lost: \(report.chunksLost) chunk(s), \(lostBytes) bytes, \(TimeFormat.clock(lostMicros)) of session time"
            }
            if report.metadataLost { line += "; the metadata was unreadable and is empty in the output" }
            Console.error(line + ".")
            return ExitStatus.ok
        }
    }
}

