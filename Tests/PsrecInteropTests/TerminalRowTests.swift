@testable import PsrecInterop
import PsrecTestSupport
import Testing

/// `TerminalRow` (stored cells and a fill) against a plain array of cells.
@Suite struct TerminalRowTests {
    static let cells: [TerminalCell] = [
        .blank, TerminalCell(text: "a"), TerminalCell(text: "\u{4E2D}"), TerminalCell(text: nil),
        TerminalCell(text: " ", style: TerminalStyle(background: .ansi(1))),
        TerminalCell(text: " ", style: TerminalStyle(background: .ansi(4))),
        TerminalCell(text: "b", style: TerminalStyle(background: .ansi(4))),
    ]
    static let blanks = cells.filter { $0.text == " " }

    /// The text a plain array of cells reads as (what `TerminalRow.text` replaced).
    static func text(_ cells: [TerminalCell]) -> String {
        var text = cells.compactMap(\.text).joined()
        while text.last == " " { text.removeLast() }
        return text
    }

    @Test(arguments: 0..<200)
    func sameCellsAsAnArray(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &* 104_729 &+ 7)
        var width = Int.random(in: 1...40, using: &generator)
        var row = TerminalRow(count: width)
        var model = Array(repeating: TerminalCell.blank, count: width)
        for step in 0..<60 {
            let column = Int.random(in: 0..<width, using: &generator)
            let n = Int.random(in: 0...width + 2, using: &generator)
            let blank = Self.blanks.randomElement(using: &generator)!
            switch Int.random(in: 0..<6, using: &generator) {
            case 0:
                let cell = Self.cells.randomElement(using: &generator)!
                row[column] = cell
                model[column] = cell
            case 1:
                let upper = Int.random(in: column...width, using: &generator)
                row.set(column..<upper, to: blank)
                for c in column..<upper { model[c] = blank }
            case 2:
                row.insert(blank, count: n, at: column)
                model.insert(contentsOf: repeatElement(blank, count: min(n, width - column)), at: column)
                model.removeLast(model.count - width)
            case 3:
                row.remove(count: n, at: column, bringingIn: blank)
                let k = min(n, width - column)
                model.removeSubrange(column..<(column + k))
                model += repeatElement(blank, count: k)
            case 4:
                width = Int.random(in: 1...40, using: &generator)
                row.resize(to: width)
                model = Array(model.prefix(width)) + repeatElement(.blank, count: max(0, width - model.count))
            default:
                row = TerminalRow(count: width, fill: blank)
                model = Array(repeating: blank, count: width)
            }
            #expect(row.count == width)
            #expect(row.cells == model, "seed \(seed), step \(step)")
            #expect((0..<width).allSatisfy { row[$0] == model[$0] }, "seed \(seed), step \(step)")
            #expect(row.text == Self.text(model), "seed \(seed), step \(step)")
            // Never more stored than the width.
            #expect(row.stored.count <= width)
        }
    }

    @Test("A fresh, an erased or a scrolled row of a wide screen stores no cell; drawing stores up to the character")
    func storesWhatIsDrawn() {
        var row = TerminalRow(count: 4096)
        #expect(row.stored.isEmpty)
        row[3] = TerminalCell(text: "x")
        #expect(row.stored.count == 4)
        row.set(2..<4096, to: TerminalCell(text: " ", style: TerminalStyle(background: .ansi(1))))
        #expect(row.stored.count == 2)
        #expect(row[4095].style.background == .ansi(1))
        let screen = TerminalScreen(columns: 4096, rows: 64)
        screen.feed(Array(String(repeating: "x\r\n", count: 200).utf8) + Array("\u{1B}[41m\u{1B}[2J".utf8))
        #expect(screen.main.allSatisfy { $0.stored.count <= 1 })
    }
}
