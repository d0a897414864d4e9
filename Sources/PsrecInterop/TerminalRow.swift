/// One row of a `TerminalScreen`: the cells from the first column up to the last one drawn
/// on, and one cell that every cell after them is (a blank, or an erased cell with a
/// background colour).
///
/// A row costs what has been drawn on it, not its width: a fresh or erased row of a
/// 4096-column screen is a few bytes, drawing its first character stores one cell, and its
/// text is read from the stored cells only. (With every row an array of `count` cells,
/// `"x\r\n"` repeated on a 4096-column screen copied 4096 cells per line: 13 s for an
/// 801-byte file in a release build.)
struct TerminalRow {
    /// The cells of columns `0..<stored.count`.
    private(set) var stored: [TerminalCell]
    /// The cell of every column from `stored.count` to `count`.
    private(set) var fill: TerminalCell
    /// The width of the row.
    private(set) var count: Int

    /// A row of `count` cells that are all `fill`.
    init(count: Int, fill: TerminalCell = .blank) {
        stored = []
        self.fill = fill
        self.count = count
    }

    /// The cell at `column` (`0..<count`).
    subscript(column: Int) -> TerminalCell {
        get { column < stored.count ? stored[column] : fill }
        set {
            if column >= stored.count {
                if newValue == fill { return }
                store(through: column)
            }
            stored[column] = newValue
        }
    }

    /// The cells, all `count` of them.
    var cells: [TerminalCell] { stored + repeatElement(fill, count: count - stored.count) }

    /// Makes columns up to `column` stored (they keep what they are).
    private mutating func store(through column: Int) {
        let needed = min(column + 1, count) - stored.count
        if needed > 0 { stored.append(contentsOf: repeatElement(fill, count: needed)) }
    }

    /// Sets columns `range` to `cell`.
    mutating func set(_ range: Range<Int>, to cell: TerminalCell) {
        guard !range.isEmpty else { return }
        if range.upperBound >= count {
            // To the end of the row: the stored cells end at the range, and `cell` fills.
            if range.lowerBound >= stored.count, cell == fill { return }
            if range.lowerBound > stored.count { store(through: range.lowerBound - 1) }
            stored.removeSubrange(range.lowerBound...)
            assert(cell.text == " ", "a row is filled with blanks only")
            fill = cell
            return
        }
        if range.lowerBound >= stored.count, cell == fill { return }
        store(through: range.upperBound - 1)
        stored.replaceSubrange(range, with: repeatElement(cell, count: range.count))
    }

    /// Inserts `n` cells `cell` at `column`; the cells pushed past the end are gone.
    mutating func insert(_ cell: TerminalCell, count n: Int, at column: Int) {
        let n = min(n, count - column)
        guard n > 0 else { return }
        if column >= stored.count, cell == fill { return }
        store(through: column - 1)
        stored.insert(contentsOf: repeatElement(cell, count: n), at: column)
        if stored.count > count { stored.removeLast(stored.count - count) }
    }

    /// Removes `n` cells at `column`; the cells after them move left and `n` cells `cell`
    /// come in at the end.
    mutating func remove(count n: Int, at column: Int, bringingIn cell: TerminalCell) {
        let n = min(n, count - column)
        guard n > 0 else { return }
        if column < stored.count { stored.removeSubrange(column..<min(column + n, stored.count)) }
        guard cell != fill else { return }
        // The old fill ends `n` columns before the end, where `cell` comes in.
        store(through: count - n - 1)
        assert(cell.text == " ", "a row is filled with blanks only")
        fill = cell
    }

    /// Changes the width to `newCount`: cells past it are gone, new ones are blank (as in
    /// xterm, whatever the background of the cells before them).
    mutating func resize(to newCount: Int) {
        if stored.count > newCount { stored.removeLast(stored.count - newCount) }
        if newCount > count, fill != .blank {
            store(through: count - 1)
            fill = .blank
        }
        count = newCount
    }

    /// The row's text, trailing spaces trimmed: read from the stored cells, since the fill
    /// is always blank text.
    var text: String {
        var end = stored.count
        while end > 0, stored[end - 1].text == " " || stored[end - 1].text == nil { end -= 1 }
        // Built as bytes: a row of thousands of cells (most of them blanks before a far
        // character) is read at the speed of copying bytes.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(end)
        for cell in stored[..<end] {
            guard let text = cell.text else { continue }
            if text == " " { bytes.append(0x20) } else { bytes.append(contentsOf: text.utf8) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
