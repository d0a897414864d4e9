import Foundation
import PsrecFormat
import PsrecInterop
import PsrecTestSupport
import Testing

private func drawn(_ text: String, columns: Int = 20, rows: Int = 5) -> TerminalScreen {
    let screen = TerminalScreen(columns: columns, rows: rows)
    screen.feed(Array(text.utf8))
    return screen
}

/// What a viewer sees of a screen, and the state what comes next is drawn with.
private struct Seen: Equatable, CustomStringConvertible {
    var cells: [[TerminalCell]]
    var mainLines: [String]
    var cursor: [Int]
    var cursorVisible: Bool
    var alternate: Bool
    var style: TerminalStyle

    init(_ screen: TerminalScreen) {
        cells = screen.displayCells
        mainLines = screen.mainLines
        cursor = [screen.cursorColumn, screen.cursorRow]
        cursorVisible = screen.cursorVisible
        alternate = screen.isAlternateScreenActive
        style = screen.currentStyle
    }

    /// Where `other` differs first, for a failure message.
    func difference(from other: Seen) -> String {
        for (y, (row, otherRow)) in zip(cells, other.cells).enumerated() {
            for (x, (cell, otherCell)) in zip(row, otherRow).enumerated() where cell != otherCell {
                return "cell \(x),\(y): \(cell) vs \(otherCell)"
            }
        }
        if mainLines != other.mainLines { return "main screen: \(mainLines) vs \(other.mainLines)" }
        return "cursor \(cursor) vs \(other.cursor), style \(style) vs \(other.style)"
    }

    var description: String {
        "cursor \(cursor) visible \(cursorVisible) alternate \(alternate) style \(style)\n"
            + cells.map { row in row.map { $0.text ?? "·" }.joined() }.joined(separator: "|\n")
    }
}

/// A fresh screen of the same size with `snapshot.ansi` written to it.
private func redrawn(_ snapshot: TerminalSnapshot) -> TerminalScreen {
    let copy = TerminalScreen(columns: snapshot.columns, rows: snapshot.rows)
    copy.feed(snapshot.ansi)
    return copy
}

/// Bytes like real programs write: text (wide, combining), renditions in every form,
/// cursor moves, erasing, editing, scrolling regions, saved cursors, modes and the
/// alternate screen.
struct TerminalStreamGenerator {
    var generator: SeededGenerator
    /// Only what pyte understands the way xterm does: text, renditions without dim, hidden
    /// and colon forms, CR LF, CUP and EL.
    var pyteSafe = false

    mutating func number(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }

    mutating func rendition() -> String {
        let choices = pyteSafe
            ? ["0", "1", "3", "4", "5", "7", "9", "22", "23", "24", "25", "27", "29", "39", "49",
               "3\(number(0...7))", "4\(number(0...7))", "9\(number(0...7))", "10\(number(0...4))",
               "38;5;\(number(0...255))", "48;5;\(number(0...255))", "38;2;\(number(0...255));\(number(0...255));\(number(0...255))"]
            : ["", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "21", "22", "23", "24", "25", "27", "28", "29", "39", "49",
               "3\(number(0...7))", "4\(number(0...7))", "9\(number(0...7))", "10\(number(0...7))",
               "38;5;\(number(0...255))", "48;5;\(number(0...300))", "38;2;\(number(0...255));\(number(0...255));\(number(0...255))",
               "48;2;\(number(0...255));\(number(0...255));\(number(0...255))", "38:5:\(number(0...255))",
               "48:2::\(number(0...255)):\(number(0...255)):\(number(0...255))", "38:2:\(number(0...255)):\(number(0...255)):\(number(0...255))",
               "4:0", "4:3", "1;31;42", "0;1;2;3;4;5;7;8;9;91;101", "38;5"]
        var parameters: [String] = []
        for _ in 0..<number(1...3) { parameters.append(choices[number(0...(choices.count - 1))]) }
        return "\u{1B}[" + parameters.joined(separator: ";") + "m"
    }

    mutating func text() -> String {
        let pieces = pyteSafe
            // No wide characters: pyte draws one that does not fit in the last column there,
            // where xterm wraps it to the next line.
            ? ["hello", "ls -l", "x", "total 42", "drwxr-xr-x", "é", "  ", "$ "]
            : ["hello", "ls -l", "x", "日本語", "e\u{301}", "🙂", "\t", "  ", "$ ", "wide字", "a\u{300}\u{301}", "\u{7}"]
        return pieces[number(0...(pieces.count - 1))]
    }

    mutating func step(rows: Int, columns: Int) -> String {
        let row = number(1...rows + 1), column = number(1...columns + 1)
        switch number(0...(pyteSafe ? 5 : 19)) {
        case 0, 1: return text()
        case 2: return rendition()
        case 3: return "\r\n"
        case 4: return "\u{1B}[\(row);\(column)H"
        // pyte's EL after the last column leaves that column, where xterm erases it: a cursor
        // move first keeps the two apart.
        case 5: return (pyteSafe ? "\u{1B}[\(row);\(column)H" : "") + "\u{1B}[\(number(0...2))K"
        case 6: return "\u{1B}[\(number(0...2))J"
        case 7: return ["\u{1B}[\(number(1...3))X", "\u{1B}[\(number(1...3))@", "\u{1B}[\(number(1...3))P"][number(0...2)]
        case 8: return ["\u{1B}[\(number(1...2))L", "\u{1B}[\(number(1...2))M", "\u{1B}[S", "\u{1B}[T"][number(0...3)]
        case 9: return "\u{1B}[\(number(1...rows));\(number(1...rows))r"
        case 10: return ["\u{1B}7", "\u{1B}8", "\u{1B}[s", "\u{1B}[u"][number(0...3)]
        // 47 and 1047 show the alternate screen as it was left, which no snapshot of the main
        // screen carries; programs use 1049.
        case 11: return ["\u{1B}[?1049h", "\u{1B}[?1049l"][number(0...1)]
        case 12: return ["\u{1B}[?25l", "\u{1B}[?25h"][number(0...1)]
        case 13: return ["\u{1B}[?7l", "\u{1B}[?7h", "\u{1B}[4h", "\u{1B}[4l", "\u{1B}[?6h", "\u{1B}[?6l"][number(0...5)]
        case 14: return ["\u{1B}[A", "\u{1B}[2B", "\u{1B}[3C", "\u{1B}[D", "\u{1B}[\(column)G", "\u{1B}[\(row)d", "\u{8}"][number(0...6)]
        case 15: return ["\u{1B}M", "\u{1B}D", "\u{1B}E", "\n", "\r"][number(0...4)]
        case 16: return String(repeating: "=", count: number(1...columns + 2))
        case 17: return rendition() + text()
        case 18: return "\u{1B}[\(number(1...3))S"
        default: return "\u{1B}[H\u{1B}[2J"
        }
    }

    mutating func stream(steps: Int, rows: Int, columns: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<steps { bytes += Array(step(rows: rows, columns: columns).utf8) }
        return bytes
    }
}

@Suite("TerminalScreen snapshots")
struct TerminalSnapshotTests {
    @Test("A snapshot gives the size, the text and short bytes that draw the screen")
    func simple() {
        let s = drawn("$ ls\r\n\u{1B}[1;34mbin\u{1B}[0m  etc\r\n$ ", columns: 20, rows: 4)
        let snapshot = s.snapshot()
        #expect(snapshot.columns == 20 && snapshot.rows == 4)
        #expect(snapshot.text == "$ ls\nbin  etc\n$\n\n")
        #expect(snapshot.cursorColumn == 2 && snapshot.cursorRow == 2 && snapshot.cursorVisible && !snapshot.alternateScreen)
        #expect(String(decoding: snapshot.ansi, as: UTF8.self) == "$ ls\r\n\u{1B}[1;34mbin\u{1B}[m  etc\r\n$\u{1B}[3;3H")
        #expect(Seen(redrawn(snapshot)) == Seen(s))
    }

    @Test("A blank screen is one cursor move; a coloured tail is one EL; inner blanks one CUF")
    func compact() {
        #expect(String(decoding: TerminalScreen(columns: 80, rows: 24).snapshot().ansi, as: UTF8.self) == "\u{1B}[1;1H")
        let s = drawn("a\u{1B}[44m\u{1B}[K\u{1B}[m\u{1B}[2;1Hb\u{1B}[2;30Hc", columns: 40, rows: 3)
        let ansi = String(decoding: s.snapshot().ansi, as: UTF8.self)
        #expect(ansi == "a\u{1B}[44m\u{1B}[K\r\n\u{1B}[mb\u{1B}[28Cc\u{1B}[2;31H")
        #expect(Seen(redrawn(s.snapshot())) == Seen(s))
    }

    @Test("Wide characters, combining marks, a pending wrap and a hidden cursor come back")
    func wideAndPending() {
        let s = drawn("日本語e\u{301}\u{1B}[7m🙂abc\u{1B}[?25l", columns: 12, rows: 2)
        #expect(s.cursorColumn == 12)
        let copy = redrawn(s.snapshot())
        #expect(Seen(copy) == Seen(s))
        // The pending wrap is real: the next character goes to the next line on both.
        s.feed(Array("Z".utf8))
        copy.feed(Array("Z".utf8))
        #expect(Seen(copy) == Seen(s))
        #expect(s.displayLines[1] == "Z")
    }

    @Test("On the alternate screen, the main screen is drawn too: leaving it shows the shell again")
    func alternateScreen() {
        let s = drawn("$ vim\u{1B}[?1049h\u{1B}[H\u{1B}[2J\u{1B}[32m~\r\n~\u{1B}[2;5r\u{1B}[3;1H", columns: 10, rows: 6)
        let snapshot = s.snapshot()
        #expect(snapshot.alternateScreen)
        #expect(snapshot.text == "~\n~\n\n\n\n\n")
        let copy = redrawn(snapshot)
        #expect(Seen(copy) == Seen(s))
        let rest = Array("x\n\n\n\n\ny\u{1B}[?1049l!".utf8)
        s.feed(rest)
        copy.feed(rest)
        #expect(Seen(copy) == Seen(s))
        #expect(s.displayLines[0] == "$ vim!")
    }

    @Test("Random byte streams: the snapshot draws the same cells, attributes and cursor", arguments: 0..<40)
    func randomBytes(salt: Int) {
        var generator = SeededGenerator(salt: UInt64(salt))
        let columns = Int.random(in: 1...12, using: &generator), rows = Int.random(in: 1...6, using: &generator)
        let s = TerminalScreen(columns: columns, rows: rows)
        let alphabet: [UInt8] = Array("\u{1b}[;:?0123456789HJKLMPX@rhlmABCDdGfST 78\r\n\u{8}\tab]\u{7}".utf8) + [0xE6, 0x97, 0xA5, 0xCC, 0x81, 0xFF]
        let note = generator.note(salt: UInt64(salt))
        for round in 0..<8 {
            var bytes: [UInt8] = []
            for _ in 0..<300 { bytes.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
            // Whole sequences only: a snapshot is taken between events, not inside a sequence.
            s.feed(bytes + Array("\u{18}".utf8))
            if Int.random(in: 0..<3, using: &generator) == 0 {
                s.resize(columns: Int.random(in: 1...12, using: &generator), rows: Int.random(in: 1...6, using: &generator))
            }
            let snapshot = s.snapshot()
            let copy = redrawn(snapshot)
            #expect(Seen(copy) == Seen(s), "\(note), round \(round): \(Seen(copy).difference(from: Seen(s)))")
            #expect(snapshot.text == s.displayLines.map { $0 + "\n" }.joined(), "\(note)")
        }
    }

    @Test("Program-like streams: the snapshot draws the same screen, and what follows draws the same on both",
          arguments: 0..<40)
    func programLike(salt: Int) {
        var stream = TerminalStreamGenerator(generator: SeededGenerator(salt: 1000 + UInt64(salt)))
        let note = stream.generator.note(salt: 1000 + UInt64(salt))
        let columns = stream.number(2...30), rows = stream.number(2...10)
        let s = TerminalScreen(columns: columns, rows: rows)
        var copy: TerminalScreen?
        for round in 0..<6 {
            let bytes = stream.stream(steps: 60, rows: rows, columns: columns)
            s.feed(bytes)
            copy?.feed(bytes)
            if let copy {
                #expect(Seen(copy) == Seen(s),
                        "\(note): what followed the snapshot drew differently, round \(round): \(Seen(copy).difference(from: Seen(s)))")
            }
            let snapshot = s.snapshot()
            copy = redrawn(snapshot)
            #expect(Seen(copy!) == Seen(s), "\(note), round \(round): \(Seen(copy!).difference(from: Seen(s)))")
        }
    }

    @Test("A full-size screen of a different style in every cell draws again exactly")
    func everyCellStyled() {
        let (columns, rows) = (512, 512)
        let s = TerminalScreen(columns: columns, rows: rows)
        #expect(s.columns * s.rows == TerminalScreen.maxCells)
        var bytes: [UInt8] = []
        for i in 0..<(s.columns * s.rows) {
            bytes += Array("\u{1B}[38;2;\(i & 0xFF);\(i >> 8 & 0xFF);\(i >> 16)m\u{1B}[\(i % 2 == 0 ? 1 : 22)m\(i % 10)".utf8)
        }
        bytes += Array("\u{1B}[H".utf8)
        s.feed(bytes)
        let snapshot = s.snapshot()
        #expect(Seen(redrawn(snapshot)) == Seen(s))
        #expect(snapshot.ansi.count < bytes.count)
    }
}

/// Real programs recorded with util-linux `script`: a snapshot at every event redraws that
/// moment, and the rest of the recording drawn after it ends on the same screen.
@Suite("TerminalScreen snapshots of real programs", .serialized)
struct TerminalSnapshotRealProgramTests {
    @Test("ls --color, vim with syntax colours on the alternate screen, wide characters: every moment redraws",
          .enabled(if: Recorders.script != nil && Recorders.path(of: "vim") != nil, "script and vim are needed"))
    func realPrograms() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("notes.sh").path
        try Data((1...40).map { "echo \"line $((\($0) * 2))\" # 日本語 comment \($0)\nif true; then x=1; fi\n" }.joined().utf8)
            .write(to: URL(fileURLWithPath: file))
        let commands = dir.appendingPathComponent("run.sh").path
        try Data("""
            export TERM=xterm-256color
            ls --color=always -l /usr/share | head -40
            printf '\\033[1;31mred\\033[0m \\033[38;5;208m日本語\\033[48;2;10;20;30m on rgb \\033[m\\n'
            vim -u NONE -i NONE -c 'syntax on' -c 'set number' -c 'redraw' -c 'sleep 200m' -c 'normal 20j' -c 'redraw' -c 'sleep 100m' -c q \(shellQuoted(file))
            echo after

            """.utf8).write(to: URL(fileURLWithPath: commands))
        let ts = dir.appendingPathComponent("typescript").path, timing = dir.appendingPathComponent("timing").path
        let result = try Recorders.inTerminal("script -q --timing=\(timing) -c \(shellQuoted("sh " + commands)) \(ts)")
        try #require(result.status == 0, "script failed: \(result.output)")
        let sink = MemorySink()
        _ = try Converter.convertScript(timing: FileInput(path: timing), outputLog: FileInput(path: ts), sink: sink, options: ConversionOptions())
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        var outputs: [[UInt8]] = []
        for event in reader.events() { if case .output(let bytes) = event.event { outputs.append(bytes) } }
        try #require(outputs.joined().contains(Array("\u{1B}[?1049h".utf8)), "vim did not draw on the alternate screen")
        let s = TerminalScreen(columns: 100, rows: 30)
        var sawColouredAlternate = false
        for (index, bytes) in outputs.enumerated() {
            s.feed(bytes)
            let copy = redrawn(s.snapshot())
            #expect(Seen(copy) == Seen(s), "after event \(index): \(Seen(copy).difference(from: Seen(s)))")
            if s.isAlternateScreenActive, s.displayCells.joined().contains(where: { $0.style.foreground != .default }) { sawColouredAlternate = true }
            // What follows, drawn on the snapshot, ends where the recording ends (checked
            // from a few moments, each costing the rest of the recording).
            if index % 7 == 3 {
                for later in outputs[(index + 1)...] { copy.feed(later) }
                let end = TerminalScreen(columns: 100, rows: 30)
                for all in outputs { end.feed(all) }
                #expect(Seen(copy) == Seen(end), "continued from event \(index): \(Seen(copy).difference(from: Seen(end)))")
            }
        }
        #expect(sawColouredAlternate, "vim's syntax colours were not seen")
        #expect(s.displayLines.contains("after"))
    }
}

/// The snapshot against pyte, an independent terminal emulator: the same text, and the same
/// attributes and colours in every cell that holds a character.
@Suite("TerminalScreen snapshots against pyte", .serialized)
struct TerminalSnapshotPyteTests {
    static let program = """
    import json, sys, pyte
    from pyte import graphics
    data = open(sys.argv[1], 'rb').read()
    ours = json.load(open(sys.argv[2]))
    columns, rows = len(ours[0]), len(ours)
    screen = pyte.Screen(columns, rows)
    pyte.ByteStream(screen).feed(data)
    names = ["black", "red", "green", "brown", "blue", "magenta", "cyan", "white"]
    def color(c, background):
        if c == "default":
            return "default"
        kind, value = c[0], c[1:]
        if kind == "a":
            n = int(value)
            if n < 8:
                return names[n]
            # pyte's own spelling of SGR 105.
            return "bfightmagenta" if background and n == 13 else "bright" + names[n - 8]
        if kind == "i":
            return graphics.FG_BG_256[int(value)]
        return value
    flags = [(1, "bold"), (4, "italics"), (8, "underscore"), (16, "blink"), (32, "reverse"), (128, "strikethrough")]
    problems = []
    for y in range(rows):
        if screen.display[y].rstrip() != "".join(c[0] or "" for c in ours[y]).rstrip():
            problems.append("row %d: pyte %r" % (y, screen.display[y].rstrip()))
        for x in range(columns):
            text, fg, bg, f = ours[y][x]
            if text is None or text == " ":
                continue
            char = screen.buffer[y][x]
            theirs = [char.fg, char.bg] + [getattr(char, name) for _, name in flags]
            mine = [color(fg, False), color(bg, True)] + [bool(f & bit) for bit, _ in flags]
            if theirs != mine:
                problems.append("cell %d,%d %r: pyte %r, psrec %r" % (y, x, text, theirs, mine))
    print(json.dumps(problems[:10]))
    """

    static func describe(_ color: TerminalStyle.Color) -> String {
        switch color {
        case .default: "default"
        case .ansi(let n): "a\(n)"
        case .indexed(let n): "i\(n)"
        case .rgb(let r, let g, let b): "r" + [r, g, b].map { String(format: "%02x", $0) }.joined()
        }
    }

    @Test("Renditions, colours and cursor moves: the snapshot agrees with pyte",
          .enabled(if: TerminalScreenPyteTests.pyte, "pyte is needed (python3 -m pip install pyte)"),
          arguments: 0..<6)
    func agreesWithPyte(salt: Int) throws {
        var stream = TerminalStreamGenerator(generator: SeededGenerator(salt: 2000 + UInt64(salt)), pyteSafe: true)
        let note = stream.generator.note(salt: 2000 + UInt64(salt))
        let (columns, rows) = (40, 8)
        let bytes = stream.stream(steps: 300, rows: rows, columns: columns)
        let s = TerminalScreen(columns: columns, rows: rows)
        s.feed(bytes)
        let snapshot = s.snapshot()
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let original = dir.appendingPathComponent("stream.bin"), redraw = dir.appendingPathComponent("snapshot.bin")
        let cells = dir.appendingPathComponent("cells.json")
        try Data(bytes).write(to: original)
        try Data(snapshot.ansi).write(to: redraw)
        let ours = s.displayCells.map { row in
            row.map { cell -> [Any] in
                [cell.text ?? NSNull(), Self.describe(cell.style.foreground), Self.describe(cell.style.background), Int(cell.style.flags.rawValue)]
            }
        }
        try JSONSerialization.data(withJSONObject: ours).write(to: cells)
        let python = try #require(Recorders.path(of: "python3"))
        // pyte draws the recorded stream, and then the snapshot's bytes: both as psrec does.
        for input in [original, redraw] {
            let result = try Recorders.run(python, ["-c", Self.program, input.path, cells.path])
            try #require(result.status == 0, "pyte failed: \(result.output)")
            let problems = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String])
            #expect(problems.isEmpty, "\(note), \(input.lastPathComponent): \(problems)")
        }
        // And the cursor is where pyte puts it after the stream.
        let program = """
        import sys, pyte
        screen = pyte.Screen(\(columns), \(rows))
        pyte.ByteStream(screen).feed(open(sys.argv[1], 'rb').read())
        print(screen.cursor.x, screen.cursor.y)
        """
        let cursor = try Recorders.run(python, ["-c", program, redraw.path])
        let fromStream = try Recorders.run(python, ["-c", program, original.path])
        #expect(cursor.output == fromStream.output, "\(note)")
        #expect(fromStream.output.trimmingCharacters(in: .whitespacesAndNewlines) == "\(s.cursorColumn) \(s.cursorRow)", "\(note)")
    }
}

@Suite("Snapshots of a recording")
struct RecordingSnapshotTests {
    static let events: [(Int64, Event)] = [
        (1_000, .output(Array("$ ls --color\r\n\u{1B}[1;34mbin\u{1B}[0m  \u{1B}[32metc\u{1B}[0m\r\n$ ".utf8))),
        (2_000_000, .input(Array("vim\r".utf8))),
        (2_500_000, .output(Array("vim\r\n\u{1B}[?1049h\u{1B}[H\u{1B}[2J\u{1B}[44m\u{1B}[K~\u{1B}[m\r\n~\r\n".utf8))),
        (2_500_000, .output(Array("\u{1B}[7m\"notes\" 2L\u{1B}[m\u{1B}[?25l".utf8))),
        (3_000_000, .resize(cols: 30, rows: 6)),
        (4_000_000, .output(Array("\u{1B}[?25h\u{1B}[?1049l日本\u{1B}[38;2;255;128;0mcolour".utf8))),
        (5_000_000, .marker("end")),
    ]

    /// The screen drawn by feeding the events up to `micros` directly.
    static func direct(through micros: Int64, skipping skipped: ClosedRange<Int64>? = nil) -> TerminalScreen {
        let s = TerminalScreen(columns: 20, rows: 5)
        for (time, event) in events where time <= micros && !(skipped?.contains(time) ?? false) {
            switch event {
            case .output(let bytes): s.feed(bytes)
            case .resize(let c, let r): s.resize(columns: c, rows: r)
            default: break
            }
        }
        return s
    }

    static var metadata: RecordingMetadata {
        RecordingMetadata(startUnixMicros: 1_764_000_000_000_000, user: "alice", terminal: .init(cols: 20, rows: 5))
    }

    @Test("At any time, the snapshot is the screen the events up to and including that time draw",
          arguments: [0, 1_000, 1_999_999, 2_500_000, 2_999_999, 3_000_000, 4_000_000, 9_000_000] as [Int64])
    func atTime(micros: Int64) throws {
        let reader = try recording(Self.events, metadata: Self.metadata)
        let snapshot = TerminalScreen.snapshot(of: reader, atMicros: micros)
        #expect(snapshot == Self.direct(through: micros).snapshot())
        #expect(Seen(redrawn(snapshot)) == Seen(Self.direct(through: micros)))
    }

    @Test("What the snapshots say at the moments that matter")
    func moments() throws {
        let reader = try recording(Self.events, metadata: Self.metadata)
        let before = TerminalScreen.snapshot(of: reader, atMicros: 999)
        #expect(before.text == String(repeating: "\n", count: 5) && before.columns == 20 && before.rows == 5)
        let listing = TerminalScreen.snapshot(of: reader, atMicros: 1_000)
        #expect(listing.text == "$ ls --color\nbin  etc\n$\n\n\n")
        #expect(String(decoding: listing.ansi, as: UTF8.self).contains("\u{1B}[1;34mbin"))
        let vim = TerminalScreen.snapshot(of: reader, atMicros: 2_500_000)
        #expect(vim.alternateScreen && !vim.cursorVisible)
        #expect(vim.text.hasPrefix("~\n~\n\"notes\" 2L\n"))
        let resized = TerminalScreen.snapshot(of: reader, atMicros: 3_000_000)
        #expect(resized.columns == 30 && resized.rows == 6 && resized.alternateScreen)
        let after = TerminalScreen.snapshot(of: reader, atMicros: 4_000_000)
        #expect(!after.alternateScreen && after.cursorVisible)
        #expect(after.text.contains("$ vim\n日本colour"))
        let screen = TerminalScreen.replaying(reader, throughMicros: 4_000_000)
        #expect(screen.displayCells[3][4].style == TerminalStyle(foreground: .rgb(255, 128, 0)))
        #expect(screen.scrollbackLines.isEmpty)
    }

    @Test("Resizes a recording declares cost what the screen may hold: 65535 × 65535 is cut to 2^18 cells")
    func resizeStorm() throws {
        let big = Limits.maxTerminalDimension
        var events: [(Int64, Event)] = []
        for k in 0..<200 {
            events.append((Int64(k) * 10, .resize(cols: k % 2 == 0 ? big : 1, rows: k % 2 == 0 ? 1 : big)))
            events.append((Int64(k) * 10 + 1, .output(Array("x\r\n".utf8))))
        }
        let reader = try recording(events, metadata: RecordingMetadata(startUnixMicros: 1_764_000_000_000_000, user: "mallory",
                                                                         terminal: .init(cols: big, rows: big)))
        let started = Date()
        let last = TerminalScreen.replaying(reader, throughMicros: 1_995)
        #expect(Date().timeIntervalSince(started) < 20)
        // Output pays for resizing (TerminalScreen.resize): three bytes between resizes of
        // 2^18 cells do not, so after the free ones the rest are ignored.
        #expect(last.ignoredResizes > 100)
        #expect(last.columns * last.rows <= TerminalScreen.maxCells)
        let tall = TerminalScreen.snapshot(of: reader, atMicros: 11)
        #expect(tall.columns == 1 && tall.rows == TerminalScreen.maxRows)
        let wide = TerminalScreen.snapshot(of: reader, atMicros: 21)
        #expect(wide.columns == TerminalScreen.maxColumns && wide.rows == 1)
    }

    @Test("A damaged chunk is skipped whole, never drawn in part")
    func damagedChunk() throws {
        let sink = MemorySink()
        var options = WriterOptions()
        options.chunkIntervalMicros = 1_000
        let writer = try RecordingWriter(sink: sink, metadata: Self.metadata, options: options)
        for (time, event) in Self.events { try writer.append(event, atMicros: time) }
        try writer.close()
        var bytes = sink.bytes
        let intact = try RecordingReader(source: MemorySource(bytes))
        let victim = try #require(intact.entries.firstIndex { $0.startMicros == 2_500_000 })
        let entry = intact.entries[victim]
        let header = try intact.readHeader(at: entry.offset)
        // The last byte of its payload: the chunk's events are all read before it is reached.
        bytes[Int(entry.offset) + ChunkHeader.size + header.storedLength - 1] ^= 0x55
        let reader = try RecordingReader(source: MemorySource(bytes))
        let snapshot = TerminalScreen.snapshot(of: reader, atMicros: 9_000_000)
        #expect(!reader.damage.isEmpty)
        let expected = Self.direct(through: 9_000_000, skipping: entry.startMicros...entry.endMicros)
        #expect(snapshot == expected.snapshot())
        #expect(!snapshot.text.contains("notes"))
    }
}
