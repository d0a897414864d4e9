/// Resize events in a row, with no output between them, applied to a `TerminalScreen` in a
/// few resizes instead of one each.
///
/// A resize costs time in proportion to the screen's cells (up to `TerminalScreen.maxCells`
/// for each of its two screens), whatever the few bytes that asked for it: a 513-byte file of
/// 20 000 resizes between 4096 × 64 and 1 × 1 took minutes to draw one by one. What a run
/// leaves is decided by its minima: rows leave the screen (to the scrollback) only when the
/// height reaches a new low, cut to the narrowest width seen before that resize; the screen
/// keeps what the narrowest width and lowest height of the whole run left, at the run's last
/// size. So the run is applied as two resizes per new low of the height (the width cut, then
/// the height; at most `maxRows` lows, each lower than the one before), then the minima, then
/// the last size: the same screen and scrollback as one by one.
struct ResizeRun {
    /// Heights that were a new low, with the narrowest width before that resize (nil: none).
    private var lows: [(columnsBefore: Int?, rows: Int)] = []
    private var narrowest = Int.max
    private var lowest = Int.max
    private var last: (columns: Int, rows: Int)?

    /// Adds a resize to the run.
    mutating func add(columns: Int, rows: Int) {
        let size = TerminalScreen.clampedSize(columns: columns, rows: rows)
        if size.rows < lowest {
            lowest = size.rows
            lows.append((narrowest == .max ? nil : narrowest, lowest))
        }
        narrowest = min(narrowest, size.columns)
        last = size
    }

    /// Applies the run to `screen` and starts a new one.
    mutating func apply(to screen: TerminalScreen) {
        guard let last else { return }
        var applied: (columns: Int, rows: Int)?
        func resize(_ size: (columns: Int, rows: Int)) {
            if let applied, applied == size { return }
            screen.resize(columns: size.columns, rows: size.rows)
            applied = size
        }
        for low in lows {
            let columns = min(low.columnsBefore ?? screen.columns, screen.columns)
            resize((columns, screen.rows))
            resize((columns, low.rows))
        }
        resize((narrowest, lowest))
        resize(last)
        self = ResizeRun()
    }
}
