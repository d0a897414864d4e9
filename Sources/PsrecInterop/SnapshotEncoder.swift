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
    mutating func draw(_ grid: [TerminalRow]) {
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
