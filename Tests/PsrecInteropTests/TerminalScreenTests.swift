import Foundation
import PsrecFormat
import PsrecInterop
import PsrecTestSupport
import Testing

private func screen(_ text: String, columns: Int = 10, rows: Int = 4) -> TerminalScreen {
    let screen = TerminalScreen(columns: columns, rows: rows)
    screen.feed(Array(text.utf8))
    return screen
}

@Suite("TerminalScreen")
struct TerminalScreenTests {
    @Test("Text, CR, LF, BS and TAB")
    func basics() {
        #expect(screen("abc\r\nde\u{8}X\tY").displayLines == ["abc", "dX      Y", "", ""])
        #expect(screen("hello\rJ").displayLines.first == "Jello")
    }

    @Test("Autowrap waits for the next character; lines scrolled off the top become scrollback")
    func wrapAndScroll() {
        let s = screen("0123456789ab\r\n1\r\n2\r\n3\r\n4", columns: 10, rows: 3)
        #expect(s.displayLines == ["2", "3", "4"])
        #expect(Array(s.scrollbackLines) == ["0123456789", "ab", "1"])
        #expect(s.text() == "0123456789\nab\n1\n2\n3\n4\n")
        // Exactly full: no wrap until more text comes.
        #expect(screen("0123456789\r\nx", columns: 10, rows: 3).displayLines == ["0123456789", "x", ""])
    }

    @Test("Cursor movement: CUP, CUU, CUD, CUF, CUB, CHA, VPA, HVP")
    func cursor() {
        let s = screen("\u{1b}[2;3Ha\u{1b}[Ab\u{1b}[2Bc\u{1b}[3Dd\u{1b}[5Ge\u{1b}[1dF\u{1b}[4;1fG\u{1b}[CH")
        #expect(s.displayLines == ["   b F", "  a", "  d e", "G H"])
    }

    @Test("ED and EL erase; ECH, ICH and DCH edit a line")
    func erase() {
        #expect(screen("abcdef\r\nghij\u{1b}[1;3H\u{1b}[K").displayLines == ["ab", "ghij", "", ""])
        #expect(screen("abcdef\r\nghij\u{1b}[1;3H\u{1b}[1K").displayLines == ["   def", "ghij", "", ""])
        #expect(screen("abcdef\r\nghij\u{1b}[1;3H\u{1b}[J").displayLines == ["ab", "", "", ""])
        #expect(screen("abcdef\r\nghij\u{1b}[2;2H\u{1b}[1J").displayLines == ["", "  ij", "", ""])
        #expect(screen("abcdef\u{1b}[1;2H\u{1b}[2X").displayLines.first == "a  def")
        #expect(screen("abcdef\u{1b}[1;2H\u{1b}[2@").displayLines.first == "a  bcdef")
        #expect(screen("abcdef\u{1b}[1;2H\u{1b}[2P").displayLines.first == "adef")
    }

    @Test("IL and DL inside a DECSTBM scrolling region leave the lines outside alone")
    func regions() {
        let s = screen("1\r\n2\r\n3\r\n4\u{1b}[2;3r\u{1b}[2;1H\u{1b}[L", rows: 4)
        #expect(s.displayLines == ["1", "", "2", "4"])
        let d = screen("1\r\n2\r\n3\r\n4\u{1b}[2;3r\u{1b}[2;1H\u{1b}[M", rows: 4)
        #expect(d.displayLines == ["1", "3", "", "4"])
        // Scrolling inside a region that does not start at the top saves nothing.
        let r = screen("1\r\n2\r\n3\r\n4\u{1b}[2;3r\u{1b}[3;1H\n\n\nx", rows: 4)
        #expect(r.displayLines == ["1", "", "x", "4"])
        #expect(r.scrollbackLines.isEmpty)
    }

    @Test("The alternate screen (1049, 47, 1047) keeps full-screen programs out of the transcript")
    func alternate() {
        // 47 and 1047 do not save the cursor: terminfo's smcup/rmcup add DECSC/DECRC for them.
        for (enter, leave) in [("\u{1b}[?1049h", "\u{1b}[?1049l"), ("\u{1b}7\u{1b}[?47h", "\u{1b}[?47l\u{1b}8"), ("\u{1b}7\u{1b}[?1047h", "\u{1b}[?1047l\u{1b}8")] {
            let s = screen("$ vim\r\n" + enter + "\u{1b}[2J\u{1b}[Hvim text\r\n1\r\n2\r\n3\r\n4\r\n5" + leave + "$ ", rows: 4)
            #expect(s.text() == "$ vim\n$\n", "\(enter)")
            #expect(s.scrollbackLines.isEmpty)
        }
        let inside = screen("$ less\r\n\u{1b}[?1049hpage", rows: 4)
        #expect(inside.displayLines == ["", "page", "", ""])
        #expect(inside.text() == "$ less\n")
    }

    @Test("Wide characters take two cells; combining marks join; invalid UTF-8 shows U+FFFD")
    func unicode() {
        #expect(screen("日本語abcd", columns: 8).displayLines.first == "日本語ab")
        #expect(screen("e\u{301}x", columns: 8).displayLines.first == "e\u{301}x")
        let invalid = TerminalScreen(columns: 10, rows: 2)
        invalid.feed([0x61, 0xFF, 0x62, 0xE2, 0x9C, 0x63])
        #expect(invalid.displayLines.first == "a\u{FFFD}b\u{FFFD}c")
        // A wide character that does not fit wraps to the next line.
        #expect(screen("abcdefghi日", columns: 10).displayLines.prefix(2) == ["abcdefghi", "日"])
        let split = TerminalScreen(columns: 10, rows: 2)
        split.feed([0xE2, 0x9C])
        split.feed([0x93])
        #expect(split.displayLines.first == "✓")
    }

    @Test("SGR, OSC, DCS and unknown sequences are consumed")
    func ignored() {
        #expect(screen("\u{1b}[1;31mred\u{1b}[0m\u{1b}]0;title\u{07}\u{1b}]2;t\u{1b}\\\u{1b}P1$r\u{1b}\\\u{1b}(B\u{1b}=x").displayLines.first == "redx")
    }

    @Test("Resizing keeps the cursor's line and moves rows that no longer fit to the scrollback")
    func resize() {
        let s = screen("1\r\n2\r\n3\r\n4", rows: 4)
        s.resize(columns: 3, rows: 2)
        #expect(s.displayLines == ["3", "4"])
        #expect(Array(s.scrollbackLines) == ["1", "2"])
        s.feed(Array("\r\nabcdef".utf8))
        #expect(s.displayLines == ["abc", "def"])
    }

    @Test("Garbage never traps", arguments: 0..<20)
    func garbage(seed: Int) {
        var generator = SeededGenerator(salt: UInt64(seed))
        let s = TerminalScreen(columns: 1 + seed % 7, rows: 1 + seed % 5)
        let alphabet: [UInt8] = Array("\u{1b}[;?0123456789HJKLMPX@rhlABCDdGfS T\r\n\u{8}\t]P\\\u{7}".utf8) + [0xE6, 0x97, 0xA5, 0xFF, 0x80]
        for _ in 0..<2000 {
            s.feed([alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]])
            if Int.random(in: 0..<200, using: &generator) == 0 { s.resize(columns: Int.random(in: 1...9, using: &generator), rows: Int.random(in: 1...6, using: &generator)) }
        }
        // Whatever it was fed, the screen keeps its shape and its text fits it.
        let note = generator.note(salt: UInt64(seed))
        #expect(s.displayLines.count == s.rows, "\(note)")
        #expect(s.displayLines.allSatisfy { $0.unicodeScalars.count <= s.columns * 4 }, "\(note)")
        #expect(s.text().isEmpty || s.text().hasSuffix("\n"), "\(note)")
    }
}

/// Replays real program output (recorded with util-linux `script`) into pyte, an
/// independent terminal emulator, and into `TerminalScreen`: the screens must match.
@Suite("TerminalScreen against pyte", .serialized)
struct TerminalScreenPyteTests {
    static let pyte: Bool = {
        guard let python = Recorders.path(of: "python3"), let r = try? Recorders.run(python, ["-c", "import pyte"]) else { return false }
        return r.status == 0
    }()

    static func pyteDisplay(_ bytes: [UInt8], columns: Int, rows: Int, in dir: URL) throws -> [String] {
        let input = dir.appendingPathComponent("pyte.in")
        try Data(bytes).write(to: input)
        let program = """
        import json, sys, pyte
        screen = pyte.Screen(\(columns), \(rows))
        stream = pyte.ByteStream(screen)
        stream.feed(open(sys.argv[1], 'rb').read())
        print(json.dumps([line.rstrip() for line in screen.display]))
        """
        let result = try Recorders.run(try #require(Recorders.path(of: "python3")), ["-c", program, input.path])
        try #require(result.status == 0, "pyte failed: \(result.output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String])
    }

    @Test("Real program output draws the same screen as pyte",
          .enabled(if: Recorders.script != nil && pyte, "script and pyte are needed"),
          arguments: [
            "ls --color=always -l /usr/share | head -80",
            #"printf 'a\tb\tc\n\033[1;32mgreen\033[0m 日本語 e\xcc\x81\n'; seq 1 50"#,
            "(sleep 0.3; printf 'echo helo\\177\\177lo world\\033[D\\033[DX\\r'; sleep 0.3; printf 'for i in 1 2; do echo $i; done\\r'; sleep 0.3; printf 'exit\\r') | script -q -E always -c 'bash --norc -i' /dev/null",
          ])
    func matchesPyte(command: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ts = dir.appendingPathComponent("typescript").path, timing = dir.appendingPathComponent("timing").path
        let result = try Recorders.inTerminal("script -q --timing=\(timing) -c \(shellQuoted(command)) \(ts) >/dev/null")
        try #require(result.status == 0, "script failed: \(result.output)")
        let sink = MemorySink()
        _ = try Converter.convertScript(timing: FileInput(path: timing), outputLog: FileInput(path: ts), sink: sink, options: ConversionOptions())
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        var output: [UInt8] = []
        for event in reader.events() { if case .output(let b) = event.event { output += b } }
        let screen = TerminalScreen(columns: 100, rows: 30)
        screen.feed(output)
        #expect(screen.displayLines == (try Self.pyteDisplay(output, columns: 100, rows: 30, in: dir)))
    }
}

/// A real full-screen program: what vim draws on the alternate screen stays out of the
/// transcript, as it is gone from the terminal once vim exits.
@Suite("TerminalScreen with vim", .serialized)
struct TerminalScreenVimTests {
    @Test("vim's alternate screen is left out of the txt export",
          .enabled(if: Recorders.script != nil && Recorders.path(of: "vim") != nil, "script and vim are needed"))
    func vim() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("notes.txt").path
        try Data((1...50).map { "distinctive line \($0)\n" }.joined().utf8).write(to: URL(fileURLWithPath: file))
        let commands = dir.appendingPathComponent("run.sh").path
        try Data("export TERM=xterm-256color; echo before; vim -u NONE -i NONE -c 'redraw' -c 'sleep 200m' -c q \(shellQuoted(file)); echo after\n".utf8)
            .write(to: URL(fileURLWithPath: commands))
        let ts = dir.appendingPathComponent("typescript").path, timing = dir.appendingPathComponent("timing").path
        let result = try Recorders.inTerminal("script -q --timing=\(timing) -c \(shellQuoted("sh " + commands)) \(ts)")
        try #require(result.status == 0, "script failed: \(result.output)")
        let typescript = String(decoding: try Data(contentsOf: URL(fileURLWithPath: ts)), as: UTF8.self)
        try #require(typescript.contains("\u{1b}[?1049h") && typescript.contains("distinctive line 7"), "vim did not draw on the alternate screen")
        let sink = MemorySink()
        _ = try Converter.convertScript(timing: FileInput(path: timing), outputLog: FileInput(path: ts), sink: sink, options: ConversionOptions())
        let (text, _) = try exported(try RecordingReader(source: MemorySource(sink.bytes)), .txt)
        #expect(text == "before\nafter\n")
    }
}
