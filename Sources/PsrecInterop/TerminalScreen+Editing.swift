/// Drawing, cursor movement, erasing and scrolling.
extension TerminalScreen {
    /// The cursor column, with the pending-wrap position (just past the last column) taken
    /// as the last column, as relative moves see it.
    var pendingColumn: Int { min(x, columns - 1) }

    /// Most UTF-8 bytes one cell holds: a character and its combining marks.
    static let maxCellBytes = 32

    func printScalar(_ c: UInt32) {
        let width = Self.cellWidth(c)
        let text = String(Character(Unicode.Scalar(c) ?? "\u{FFFD}"))
        if width == 0 {
            // A combining mark joins the character before it.
            let column = x > 0 ? min(x, columns) - 1 : 0
            var target = column
            while target > 0 && grid[y][target].isContinuation { target -= 1 }
            // At most `maxCellBytes` per cell (xterm keeps a few combining marks too): a
            // million marks on one character would otherwise cost time as their square.
            if let previous = grid[y][target].text, previous.utf8.count + text.utf8.count <= Self.maxCellBytes {
                grid[y][target].text = previous + text
            }
            return
        }
        // A wide character in a one-column terminal is not drawn.
        if width > columns { return }
        if x + width > columns {
            if autowrap {
                if x < columns { clearCells(row: y, from: x, to: columns) }
                x = 0
                lineFeed()
            } else {
                x = columns - width
            }
        }
        if insertMode { insertCharacters(width) }
        clearWide(row: y, at: x)
        if width == 2 { clearWide(row: y, at: x + 1) }
        grid[y][x] = Cell(text: text, style: pen)
        if width == 2 { grid[y][x + 1] = Cell(text: nil, style: pen) }
        x += width
    }

    /// What erasing leaves in a cell: a blank in the current background colour.
    var erased: Cell { Cell(text: " ", style: pen.erasing) }

    /// Blanks a whole wide character that cell `column` is half of; the half left over keeps
    /// the character's rendition.
    private func clearWide(row: Int, at column: Int) {
        guard column < columns else { return }
        if grid[row][column].isContinuation && column > 0 { grid[row][column - 1].text = " " }
        if column + 1 < columns && grid[row][column + 1].isContinuation { grid[row][column + 1].text = " " }
    }

    /// Blanks both halves of a wide character that the boundary before `column` cuts.
    private func splitWide(row: Int, before column: Int) {
        guard column > 0, column < columns, grid[row][column].isContinuation else { return }
        grid[row][column - 1].text = " "
        grid[row][column].text = " "
    }

    private func clearCells(row: Int, from: Int, to: Int) {
        guard from < to else { return }
        if from > 0 && grid[row][from].isContinuation { grid[row][from - 1].text = " " }
        if to < columns && grid[row][to].isContinuation { grid[row][to].text = " " }
        grid[row].set(from..<to, to: erased)
    }

    func backspace() {
        if x >= columns { x = columns - 1 }
        x = max(0, x - 1)
    }

    func tab() {
        var next = min(x, columns - 1) + 1
        while next < columns - 1 && next % 8 != 0 { next += 1 }
        x = min(next, columns - 1)
    }

    func lineFeed() {
        if y == bottom {
            scrollUp(1)
        } else if y < rows - 1 {
            y += 1
        }
    }

    func reverseIndex() {
        if y == top {
            scrollDown(1)
        } else if y > 0 {
            y -= 1
        }
    }

    func cursorUp(_ n: Int) {
        let limit = y >= top ? top : 0
        y = max(y - n, limit)
        x = pendingColumn
    }

    func cursorDown(_ n: Int) {
        let limit = y <= bottom ? bottom : rows - 1
        y = min(y + n, limit)
        x = pendingColumn
    }

    func moveTo(row: Int, column: Int) {
        let offset = originMode ? top : 0
        let maxRow = originMode ? bottom : rows - 1
        y = max(offset, min(row + offset, maxRow))
        x = max(0, min(column, columns - 1))
    }

    func eraseDisplay(_ mode: Int) {
        switch mode {
        case 0:
            eraseLine(0)
            clearRows((y + 1)..<rows)
        case 1:
            eraseLine(1)
            clearRows(0..<y)
        case 2:
            clearRows(0..<rows)
        default:
            break // 3 (erase saved lines): the transcript keeps them.
        }
    }

    /// A row of erased cells: no cell stored, so erasing or scrolling costs time in
    /// proportion to the rows, not the cells of a screen of up to `maxCells`.
    var erasedRow: TerminalRow { TerminalRow(count: columns, fill: erased) }

    /// Erases whole rows `range`.
    func clearRows(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let blank = erasedRow
        for row in range { grid[row] = blank }
    }

    func eraseLine(_ mode: Int) {
        let column = pendingColumn
        switch mode {
        case 0: clearCells(row: y, from: column, to: columns)
        case 1: clearCells(row: y, from: 0, to: column + 1)
        case 2: clearCells(row: y, from: 0, to: columns)
        default: break
        }
    }

    func eraseCharacters(_ n: Int) {
        let column = pendingColumn
        clearCells(row: y, from: column, to: min(columns, column + n))
    }

    func insertCharacters(_ n: Int) {
        let column = pendingColumn
        let count = min(n, columns - column)
        splitWide(row: y, before: column)
        grid[y].insert(erased, count: count, at: column)
        if Self.isWide(grid[y][columns - 1]) { grid[y][columns - 1].text = " " }
    }

    func deleteCharacters(_ n: Int) {
        let column = pendingColumn
        let count = min(n, columns - column)
        splitWide(row: y, before: column)
        splitWide(row: y, before: column + count)
        grid[y].remove(count: count, at: column, bringingIn: erased)
    }

    func insertLines(_ n: Int) {
        guard y >= top && y <= bottom else { return }
        let count = min(n, bottom - y + 1)
        grid.removeSubrange((bottom - count + 1)...bottom)
        grid.insert(contentsOf: repeatElement(erasedRow, count: count), at: y)
        x = 0
    }

    func deleteLines(_ n: Int) {
        guard y >= top && y <= bottom else { return }
        let count = min(n, bottom - y + 1)
        grid.removeSubrange(y..<(y + count))
        grid.insert(contentsOf: repeatElement(erasedRow, count: count), at: bottom - count + 1)
        x = 0
    }

    /// Scrolls the region up; on the main screen with the region at the top, the lines that
    /// leave the screen go to the scrollback (as xterm saves lines).
    func scrollUp(_ n: Int) {
        let count = min(n, bottom - top + 1)
        guard count > 0 else { return }
        if !onAlternate && top == 0 {
            for line in grid[top..<(top + count)] { pushScrollback(line) }
        }
        grid.removeSubrange(top..<(top + count))
        grid.insert(contentsOf: repeatElement(erasedRow, count: count), at: bottom - count + 1)
    }

    func scrollDown(_ n: Int) {
        let count = min(n, bottom - top + 1)
        guard count > 0 else { return }
        grid.removeSubrange((bottom - count + 1)...bottom)
        grid.insert(contentsOf: repeatElement(erasedRow, count: count), at: top)
    }

    func setMargins(top newTop: Int, bottom newBottom: Int) {
        let t = max(1, newTop) - 1, b = min(max(1, newBottom), rows) - 1
        guard t < b else { return }
        top = t
        bottom = b
        moveTo(row: 0, column: 0)
    }

    func saveCursor() {
        let saved = SavedCursor(x: x, y: y, origin: originMode, pen: pen)
        if onAlternate { savedCursors.alternate = saved } else { savedCursors.main = saved }
    }

    func restoreCursor() {
        let saved = onAlternate ? savedCursors.alternate : savedCursors.main
        x = min(saved.x, columns - 1)
        y = min(saved.y, rows - 1)
        originMode = saved.origin
        pen = saved.pen
        // In origin mode the cursor stays inside the scrolling region, which may have
        // changed since (xterm's CursorRestore).
        if originMode { y = max(top, min(y, bottom)) }
    }

    func setPrivateMode(_ mode: Int, on: Bool) {
        switch mode {
        case 6:
            originMode = on
            moveTo(row: 0, column: 0)
        case 7:
            autowrap = on
        case 25:
            cursorVisible = on
        case 47, 1047:
            switchScreen(alternate: on, clearOnExit: mode == 1047)
        case 1048:
            if on { saveCursor() } else { restoreCursor() }
        case 1049:
            if on {
                saveCursor()
                switchScreen(alternate: true, clearOnExit: false)
                alternate = Self.blankGrid(columns: columns, rows: rows, fill: erased)
            } else {
                switchScreen(alternate: false, clearOnExit: true)
                restoreCursor()
            }
        default:
            break
        }
    }

    private func switchScreen(alternate on: Bool, clearOnExit: Bool) {
        guard on != onAlternate else { return }
        if !on && clearOnExit { alternate = Self.blankGrid(columns: columns, rows: rows) }
        onAlternate = on
    }

    func reset() {
        main = Self.blankGrid(columns: columns, rows: rows)
        alternate = Self.blankGrid(columns: columns, rows: rows)
        onAlternate = false
        x = 0
        y = 0
        top = 0
        bottom = rows - 1
        autowrap = true
        insertMode = false
        originMode = false
        pen = .plain
        cursorVisible = true
        savedCursors = (SavedCursor(), SavedCursor())
    }

    static func isWide(_ cell: Cell) -> Bool {
        guard let text = cell.text, let scalar = text.unicodeScalars.first else { return false }
        return cellWidth(scalar.value) == 2
    }

    /// Cells a character takes: 0 for combining marks and zero-width characters, 2 for
    /// East Asian wide and fullwidth characters and most emoji, else 1 (an approximation
    /// of `wcwidth` from the Unicode tables' main ranges).
    static func cellWidth(_ c: UInt32) -> Int {
        switch c {
        case 0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x0610...0x061A, 0x064B...0x065F,
             0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064,
             0x20D0...0x20FF, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0xE0100...0xE01EF:
            return 0
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
             0x25FD...0x25FE, 0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB,
             0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA,
             0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C, 0x274E, 0x2753...0x2755, 0x2757,
             0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
             0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
             0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A,
             0x1F200...0x1F251, 0x1F300...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
             0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4,
             0x1F3F8...0x1F43E, 0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E,
             0x1F550...0x1F567, 0x1F57A, 0x1F595...0x1F596, 0x1F5A4, 0x1F5FB...0x1F64F,
             0x1F680...0x1F6C5, 0x1F6CC, 0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6EB...0x1F6EC,
             0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7EB, 0x1F90C...0x1F93A, 0x1F93C...0x1F945,
             0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }
}
