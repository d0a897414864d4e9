import ArgumentParser
import PsrecFormat
import PsrecScreen

/// `psrec contact-sheet FILE -o sheet.png`.
struct ContactSheetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sheet",
        abstract: "Draw one PNG with a thumbnail of the screen at every indicator.",
        discussion: """
        Each thumbnail shows the screen right after a mouse click, keyboard command or marker, \
        with its session time, kind and detail under it (click position and button, command \
        text, marker label). A recording without indicators gets one thumbnail of its end. \
        Exit status: 0 complete, 1 truncated, 2 corrupt, 3 not a psrec file or unreadable, \
        64 usage error.
        """)

    @OptionGroup var input: RecordingLocator

    @Option(name: .shortAndLong, help: ArgumentHelp("The PNG file to write.", valueName: "file"))
    var output: String

    @Option(help: "Thumbnail width in pixels.")
    var width: Int = 320

    @Option(help: "Thumbnails per row.")
    var columns: Int = 4

    @Option(help: "At most this many thumbnails (the first ones).")
    var limit: Int = 500

    func validate() throws {
        guard (16...4096).contains(width) else { throw ValidationError("--width must be between 16 and 4096 pixels.") }
        guard (1...64).contains(columns) else { throw ValidationError("--columns must be between 1 and 64.") }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            let renderer = ScreenRenderer(reader: reader)
            let sheet = ContactSheet(thumbnailWidth: width, columns: columns)
            var moments = reader.indicators.map { ($0.timeMicros, $0.kind.name, $0.detail) }
            if moments.isEmpty { moments = [(reader.endMicros, "end", "")] }
            if moments.count > limit {
                Console.error("\(moments.count) indicators; the sheet shows the first \(limit) (see --limit).")
                moments = Array(moments.prefix(limit))
            }
            let tiles = moments.map { time, kind, detail in
                ContactSheet.Tile(image: sheet.thumbnail(renderer.render(at: time)),
                                  caption: [String(TimeFormat.clock(time).dropLast(5)) + " " + kind, detail])
            }
            do {
                try PNGFile.write(sheet.draw(tiles), to: output)
            } catch let error as PNGFile.Failure {
                throw CommandFailure(FailureTable.sentence(error.description))
            }
            if let note = RecordingFile.note(reader, path: name) { Console.error(note) }
            return ExitStatus.of(reader.status)
        }
    }
}
