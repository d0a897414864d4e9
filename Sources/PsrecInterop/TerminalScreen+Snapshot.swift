internal import PsrecTerminal

/// `snapshot()`: the visible screen as bytes that draw it again.
extension TerminalScreen {
    /// True when the bytes fed so far end between characters and sequences (no escape
    /// sequence, string or UTF-8 character begun and not finished): only there does
    /// `snapshot()` plus the bytes that follow draw what this screen would.
    public var isAtSequenceBoundary: Bool { parser.isAtBoundary }

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
