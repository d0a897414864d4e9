import ArgumentParser
import PsrecFormat

/// `psrec cat FILE`: the recorded terminal output, byte for byte.
struct CatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cat",
        abstract: "Write the recorded terminal output to stdout, byte for byte.",
        discussion: """
        Truncated files are written up to their last complete chunk, with a note on stderr. \
        Exit status: 0 complete, 1 truncated, 2 corrupt (corrupt chunks skipped), \
        3 not a psrec file or unreadable, 64 usage error.
        """)

    @OptionGroup var input: RecordingLocator
    @OptionGroup var range: TimeRangeOptions

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            let out = OutputBuffer(blockSize: 1 << 18)
            // Runs: a chunk of output alone is written in one piece.
            try reader.forEachRun(fromMicros: range.fromMicros, toMicros: range.toMicros) { run in
                if run.type == .output { out.append(run.bodies) }
            }
            out.flush()
            if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
            return ExitStatus.of(reader.status)
        }
    }
}
