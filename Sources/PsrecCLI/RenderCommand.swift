import ArgumentParser
import PsrecFormat
import PsrecScreen

/// `psrec render FILE --at TIME -o frame.png`.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Draw a screen recording at one moment into a PNG file.",
        discussion: """
        The screen is drawn from the nearest keyframe before the moment plus the changes after \
        it, found through the file's index: the cost does not grow with the recording's length. \
        Truncated files render up to their last complete chunk. Exit status: 0 complete, \
        1 truncated, 2 corrupt (corrupt chunks skipped), 3 not a psrec file, unreadable, or \
        nothing to draw, 64 usage error.
        """)

    @OptionGroup var input: RecordingLocator

    @Option(help: ArgumentHelp("Session time to draw (seconds: 90 or 1.5; 1:30; 2m, 500ms), or 'end', the default.", valueName: "time"), transform: DrawTime.parse)
    var at: DrawTime = .end

    @Option(name: .shortAndLong, help: ArgumentHelp("The PNG file to write.", valueName: "file"))
    var output: String

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            if reader.metadata?.sessionProtocol == .ssh {
                throw CommandFailure("\(TerminalSafe.escape(name)) is a terminal recording, so render has only an empty screen to draw; use psrec export --format txt or psrec play for it.")
            }
            let time = switch at {
            case .end: reader.endMicros
            case .at(let time): time.micros
            }
            let image = ScreenRenderer(reader: reader).render(at: time)
            do {
                try PNGFile.write(image, to: output)
            } catch let error as PNGFile.Failure {
                throw CommandFailure(FailureTable.sentence(error.description))
            }
            if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
            return ExitStatus.of(reader.status)
        }
    }
}

/// `--at` of render: a session time, or `end`.
enum DrawTime: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case end
    case at(SessionTime)

    init?(argument: String) {
        if argument == "end" {
            self = .end
        } else if let time = SessionTime(argument: argument) {
            self = .at(time)
        } else {
            return nil
        }
    }

    static func parse(_ text: String) throws -> DrawTime {
        guard let time = DrawTime(argument: text) else { throw ValidationError(SessionTime.problem + ", or end.") }
        return time
    }

    var description: String {
        switch self {
        case .end: "end"
        case .at(let time): time.description
        }
    }
}
