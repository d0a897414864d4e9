import Foundation
@testable import PsrecInterop
import PsrecTestSupport
import Testing

/// `ResizeRun`: resizes in a row applied as at most two leave the screen as one by one would.
@Suite struct ResizeRunTests {
    static func screen() -> TerminalScreen {
        let screen = TerminalScreen(columns: 40, rows: 10)
        for line in 0..<14 { screen.feed(Array("line \(line) \u{1B}[1;3\(line % 8)m\u{4E2D}\u{6587}\u{1B}[0m and more text to be cut\r\n".utf8)) }
        screen.feed(Array("prompt$ ".utf8))
        return screen
    }

    @Test(arguments: 0..<300)
    func aRunGivesWhatOneByOneGives(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &* 7919 &+ 13)
        let sizes = (0..<Int.random(in: 1...12, using: &generator)).map { _ in
            (Int.random(in: 1...60, using: &generator), Int.random(in: 1...16, using: &generator))
        }
        let oneByOne = Self.screen(), run = Self.screen()
        var resizes = ResizeRun()
        for (columns, rows) in sizes {
            oneByOne.resize(columns: columns, rows: rows)
            resizes.add(columns: columns, rows: rows)
        }
        resizes.apply(to: run)
        #expect(run.displayCells == oneByOne.displayCells, "sizes \(sizes)")
        #expect(run.text() == oneByOne.text(), "sizes \(sizes)")
        #expect(run.cursorColumn == oneByOne.cursorColumn && run.cursorRow == oneByOne.cursorRow, "sizes \(sizes)")
        // And what is drawn next lands in the same place.
        run.feed(Array("after\r\nnext".utf8))
        oneByOne.feed(Array("after\r\nnext".utf8))
        #expect(run.displayCells == oneByOne.displayCells, "sizes \(sizes)")
    }
}
