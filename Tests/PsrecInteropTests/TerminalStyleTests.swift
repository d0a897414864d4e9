import Foundation
import PsrecFormat
import PsrecInterop
import Testing

private func drawn(_ text: String, columns: Int = 20, rows: Int = 5) -> TerminalScreen {
    let screen = TerminalScreen(columns: columns, rows: rows)
    screen.feed(Array(text.utf8))
    return screen
}

private func style(_ flags: TerminalStyle.Flags = [], _ foreground: TerminalStyle.Color = .default,
                   _ background: TerminalStyle.Color = .default) -> TerminalStyle {
    TerminalStyle(flags: flags, foreground: foreground, background: background)
}

@Suite("TerminalScreen renditions")
struct TerminalRenditionTests {
    @Test("SGR attributes and their resets")
    func attributes() {
        let s = drawn("\u{1B}[1;2;3;4;5;7;8;9mA\u{1B}[22mB\u{1B}[23;24;25mC\u{1B}[27;28;29mD\u{1B}[1;4mE\u{1B}[0mF\u{1B}[1mG\u{1B}[mH")
        let row = s.displayCells[0]
        #expect(row[0].style.flags == [.bold, .dim, .italic, .underline, .blink, .inverse, .hidden, .strikethrough])
        #expect(row[1].style.flags == [.italic, .underline, .blink, .inverse, .hidden, .strikethrough])
        #expect(row[2].style.flags == [.inverse, .hidden, .strikethrough])
        #expect(row[3].style.flags == [])
        #expect(row[4].style.flags == [.bold, .underline])
        #expect(row[5].style == .plain)
        #expect(row[6].style.flags == [.bold])
        #expect(row[7].style == .plain)
    }

    @Test("Colours: 16 and bright, 256, 24-bit in semicolon and colon forms, and their resets")
    func colors() {
        let s = drawn("\u{1B}[31;42ma\u{1B}[91;107mb\u{1B}[38;5;196;48;5;17mc\u{1B}[38;2;1;2;3;48;2;250;251;252md"
            + "\u{1B}[38:5:200me\u{1B}[38:2::10:20:30mf\u{1B}[48:2:40:50:60mg\u{1B}[39mh\u{1B}[49mi"
            + "\u{1B}[38;5;300;1mj\u{1B}[4:3mk\u{1B}[4:0ml")
        let row = s.displayCells[0]
        #expect(row[0].style == style([], .ansi(1), .ansi(2)))
        #expect(row[1].style == style([], .ansi(9), .ansi(15)))
        #expect(row[2].style == style([], .indexed(196), .indexed(17)))
        #expect(row[3].style == style([], .rgb(1, 2, 3), .rgb(250, 251, 252)))
        #expect(row[4].style == style([], .indexed(200), .rgb(250, 251, 252)))
        // The colon form with a colour space id, and without one, as programs write it.
        #expect(row[5].style == style([], .rgb(10, 20, 30), .rgb(250, 251, 252)))
        #expect(row[6].style == style([], .rgb(10, 20, 30), .rgb(40, 50, 60)))
        #expect(row[7].style == style([], .default, .rgb(40, 50, 60)))
        #expect(row[8].style == .plain)
        // A colour out of range is skipped with its numbers; what follows still applies.
        #expect(row[9].style == style([.bold]))
        // `4:3` is a curly underline, not underline and italic; `4:0` turns it off.
        #expect(row[10].style == style([.bold, .underline]))
        #expect(row[11].style == style([.bold]))
    }

    @Test("Erasing, inserting and scrolling fill with the current background only")
    func backgroundColorErase() {
        let s = drawn("abc\u{1B}[1;31;44m\u{1B}[1;2H\u{1B}[K\u{1B}[3;1H\u{1B}[@", columns: 6, rows: 3)
        let erased = style([], .default, .ansi(4))
        #expect(s.displayCells[0][0].style == .plain)
        #expect(s.displayCells[0][1...].allSatisfy { $0 == TerminalCell(text: " ", style: erased) })
        #expect(s.displayCells[2][0] == TerminalCell(text: " ", style: erased))
        #expect(s.displayCells[2][1] == .blank)
        s.feed(Array("\u{1B}[3;1H\n".utf8))
        #expect(s.displayCells[2].allSatisfy { $0 == TerminalCell(text: " ", style: erased) })
    }

    @Test("DECSC saves the rendition and DECRC restores it; DECTCEM hides the cursor")
    func savedRenditionAndCursor() {
        let s = drawn("\u{1B}[1;32m\u{1B}7\u{1B}[0m\u{1B}[?25lxx\u{1B}8y")
        #expect(s.displayCells[0][0] == TerminalCell(text: "y", style: style([.bold], .ansi(2))))
        #expect(s.displayCells[0][1] == TerminalCell(text: "x"))
        #expect(s.currentStyle == style([.bold], .ansi(2)))
        #expect(!s.cursorVisible)
        s.feed(Array("\u{1B}[?25h".utf8))
        #expect(s.cursorVisible)
    }

    @Test("A cell is 24 bytes: the character's text inline and its style packed in eight")
    func compactCells() {
        #expect(MemoryLayout<TerminalStyle>.size == 8)
        #expect(MemoryLayout<TerminalCell>.stride == 24)
        var packed = TerminalStyle(flags: [.bold, .strikethrough], foreground: .rgb(255, 254, 253), background: .indexed(255))
        #expect(packed.flags == [.bold, .strikethrough] && packed.foreground == .rgb(255, 254, 253) && packed.background == .indexed(255))
        packed.foreground = .ansi(15)
        packed.flags = [.hidden]
        #expect(packed == TerminalStyle(flags: [.hidden], foreground: .ansi(15), background: .indexed(255)))
    }

    @Test("The txt transcript stays plain text whatever the colours")
    func transcriptIsPlain() throws {
        let reader = try recording([(0, .output(Array("\u{1B}[1;31mred\u{1B}[0m \u{1B}[38;2;1;2;3mrgb\u{1B}[m\r\n".utf8)))])
        #expect(try exported(reader, .txt).text == "red rgb\n")
    }
}
