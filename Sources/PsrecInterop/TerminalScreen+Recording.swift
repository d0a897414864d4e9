public import PsrecFormat

/// A terminal recording's screen at any moment.
extension TerminalScreen {
    /// A screen of the recording's terminal size (80 × 24 when it gives none) with every
    /// output and resize event up to and including session time `micros` drawn on it: the
    /// recording's screen at that moment, ready to draw further events on.
    ///
    /// Each chunk is checked whole before any of its events is drawn (`RecordingReader.events`);
    /// a damaged chunk is recorded in `reader.damage` and skipped. No scrollback is kept, so
    /// memory is the two screens (`maxCells` cells each at most) and one chunk.
    ///
    /// - Parameters:
    ///   - reader: a terminal recording.
    ///   - micros: session time in microseconds; events at exactly this time are drawn.
    /// - Complexity: reads and draws every chunk from the start to `micros`.
    public static func replaying(_ reader: RecordingReader, throughMicros micros: Int64) -> TerminalScreen {
        var columns = reader.metadata?.terminal?.cols ?? 0, rows = reader.metadata?.terminal?.rows ?? 0
        if columns <= 0 || rows <= 0 { (columns, rows) = (80, 24) }
        let screen = TerminalScreen(columns: columns, rows: rows, maxScrollbackLines: 0)
        var resizes = ResizeRun()
        for timed in reader.events(toMicros: micros) {
            switch timed.event {
            case .output(let bytes):
                resizes.apply(to: screen)
                screen.feed(bytes)
            case .resize(let c, let r) where c > 0 && r > 0: resizes.add(columns: c, rows: r)
            default: break
            }
        }
        resizes.apply(to: screen)
        return screen
    }

    /// The recording's screen at session time `micros`: `replaying(_:throughMicros:)`'s
    /// screen as a `TerminalSnapshot`, what a web player's segment starting then draws first.
    public static func snapshot(of reader: RecordingReader, atMicros micros: Int64) -> TerminalSnapshot {
        replaying(reader, throughMicros: micros).snapshot()
    }
}
