/// `snapshot()`: the visible screen as bytes that draw it again.
extension TerminalScreen {
    /// The visible screen now, with bytes that draw it again on a fresh terminal of the same
    /// size (see `TerminalSnapshot`).
    ///
    /// The bytes are kept short: each row is reached with one cursor move (or CR LF) from
    /// its first cell that is not blank; a rendition is written only where it changes;
    /// blanks after a row's last character are left out, or drawn by one EL when they have
    /// a background colour; runs of blanks inside a row are skipped with CUF.
    ///
    /// - Complexity: O(columns × rows).
    public func snapshot() -> TerminalSnapshot {
        var out = SnapshotEncoder(columns: columns)
        // ESC 7 saves the rendition too, so a saved cursor is put in place before drawing.
        if onAlternate {
            out.draw(main)
            // Mode 1049 saves the main screen's cursor as it enters the alternate screen.
            out.save(savedCursors.main, with: Array("\u{1B}[?1049h".utf8))
            if savedCursors.main.pen.background != .default {
                // Entering filled the alternate screen with that background; clear it.
                out.setStyle(.plain)
                out.append("\u{1B}[2J")
            }
            if savedCursors.alternate != SavedCursor() { out.save(savedCursors.alternate, with: [0x1B, 0x37]) }
        } else {
            if savedCursors.alternate != SavedCursor() {
                // The alternate screen's saved cursor, for a program that restores it later.
                let before = out.style
                out.append("\u{1B}[?1049h")
                out.save(savedCursors.alternate, with: [0x1B, 0x37])
                // Leaving restores the cursor and rendition 1049 saved on entering.
                out.append("\u{1B}[?1049l")
                out.style = before
                out.row = 0
                out.column = 0
            }
            if savedCursors.main != SavedCursor() { out.save(savedCursors.main, with: [0x1B, 0x37]) }
        }
        out.draw(grid)
        if top != 0 || bottom != rows - 1 { out.append("\u{1B}[\(top + 1);\(bottom + 1)r") }
        if originMode { out.append("\u{1B}[?6h") }
        let row = originMode ? max(0, y - top) : y
        if x >= columns {
            // Autowrap pending: write the last character again, so the next one wraps.
            var column = columns - 1
            if grid[y][column].isContinuation, column > 0 { column -= 1 }
            out.append("\u{1B}[\(row + 1);\(column + 1)H")
            out.setStyle(grid[y][column].style)
            out.append(grid[y][column].text ?? " ")
        } else {
            out.append("\u{1B}[\(row + 1);\(x + 1)H")
        }
        if !autowrap { out.append("\u{1B}[?7l") }
        if insertMode { out.append("\u{1B}[4h") }
        if !cursorVisible { out.append("\u{1B}[?25l") }
        out.setStyle(pen)
        return TerminalSnapshot(columns: columns, rows: rows, text: displayLines.map { $0 + "\n" }.joined(), ansi: out.bytes,
                                cursorColumn: x, cursorRow: y, cursorVisible: cursorVisible, alternateScreen: onAlternate)
    }
}

/// Writes a snapshot's bytes, following the cursor and the rendition of the terminal they
/// are written to so as to move and restyle only when needed.
struct SnapshotEncoder {
    let columns: Int
    var bytes: [UInt8] = []
    /// The rendition of the terminal written to.
    var style = TerminalStyle.plain
    /// Where its cursor is, when known.
    var row: Int? = 0, column = 0

    init(columns: Int) { self.columns = columns }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// Puts a saved cursor in place with the sequence that saves it (ESC 7, or mode 1049).
    mutating func save(_ saved: TerminalScreen.SavedCursor, with sequence: [UInt8]) {
        // Origin mode is saved too; with the region still the whole screen, it moves nothing.
        if saved.origin { append("\u{1B}[?6h") }
        move(row: saved.y, column: saved.x, force: true)
        setStyle(saved.pen)
        bytes += sequence
        if saved.origin { append("\u{1B}[?6l") }
        row = nil
    }

    mutating func move(row target: Int, column targetColumn: Int, force: Bool = false) {
        if !force, let row, row == target, column == targetColumn, column < columns { return }
        if !force, targetColumn == 0, let row, target > row, target - row <= 2 {
            append("\r" + String(repeating: "\n", count: target - row))
        } else if targetColumn == 0 {
            append(target == 0 ? "\u{1B}[H" : "\u{1B}[\(target + 1)H")
        } else {
            append("\u{1B}[\(target + 1);\(targetColumn + 1)H")
        }
        row = target
        column = targetColumn
    }

    /// Draws a screen on one that is blank: only what differs from a blank cell is written.
    mutating func draw(_ grid: [[TerminalCell]]) {
        for (r, cells) in grid.enumerated() {
            let last = cells[cells.count - 1]
            // Blanks at the end of the row that EL draws at once (or that need no drawing).
            var end = cells.count
            let erasableTail = last.text == " " && last.style == last.style.erasing
            if erasableTail {
                while end > 0, cells[end - 1] == last { end -= 1 }
            }
            var start = 0
            while start < end, cells[start] == .blank { start += 1 }
            if start == end && (!erasableTail || last.style == .plain) { continue }
            move(row: r, column: start)
            var c = start
            while c < end {
                var run = c
                while run < end, cells[run] == .blank { run += 1 }
                if run - c >= 4 {
                    append("\u{1B}[\(run - c)C")
                    column += run - c
                    c = run
                    continue
                }
                let cell = cells[c]
                guard let text = cell.text else { c += 1; continue }
                setStyle(cell.style)
                append(text)
                let width = c + 1 < cells.count && cells[c + 1].isContinuation ? 2 : 1
                column += width
                c += width
            }
            if erasableTail && last.style != .plain && end < cells.count {
                setStyle(last.style)
                append("\u{1B}[K")
            }
        }
    }

    /// Changes the rendition to `target` with as few SGR parameters as it can.
    mutating func setStyle(_ target: TerminalStyle) {
        guard target != style else { return }
        defer { style = target }
        if target == .plain { append("\u{1B}[m"); return }
        var parameters: [Int] = []
        let from: TerminalStyle
        if !style.flags.subtracting(target.flags).isEmpty {
            // A flag goes off: start from nothing (22 would turn both bold and dim off).
            parameters.append(0)
            from = .plain
        } else {
            from = style
        }
        for (flag, parameter) in TerminalStyle.Flags.parameters where target.flags.contains(flag) && !from.flags.contains(flag) {
            parameters.append(parameter)
        }
        if target.foreground != from.foreground { parameters += Self.parameters(target.foreground, base: 30) }
        if target.background != from.background { parameters += Self.parameters(target.background, base: 40) }
        append("\u{1B}[" + parameters.map(String.init).joined(separator: ";") + "m")
    }

    /// The SGR parameters of a foreground (`base` 30) or background (40) colour.
    static func parameters(_ color: TerminalStyle.Color, base: Int) -> [Int] {
        switch color {
        case .default: [base + 9]
        case .ansi(let n): [n < 8 ? base + Int(n) : base + 60 + Int(n) - 8]
        case .indexed(let n): [base + 8, 5, Int(n)]
        case .rgb(let r, let g, let b): [base + 8, 2, Int(r), Int(g), Int(b)]
        }
    }
}
