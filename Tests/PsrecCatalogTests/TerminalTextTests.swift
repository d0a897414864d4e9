import PsrecCatalog
import Testing

@Suite("TerminalText")
struct TerminalTextTests {
    func text(_ chunks: [String]) -> String {
        var t = TerminalText()
        var out = ""
        for c in chunks {
            t.append(Array(c.utf8))
            out += t.take()
        }
        return out + t.take(final: true)
    }

    @Test("CSI, OSC, DCS and charset sequences are removed")
    func sequences() {
        #expect(text(["\u{1B}[1;31mred\u{1B}[0m plain"]) == "red plain")
        #expect(text(["\u{1B}]0;title here\u{07}after"]) == "after")
        #expect(text(["\u{1B}]8;;http://x\u{1B}\\link\u{1B}]8;;\u{1B}\\"]) == "link")
        #expect(text(["\u{1B}P1$r0m\u{1B}\\done"]) == "done")
        #expect(text(["\u{1B}(Bascii\u{1B}=keypad"]) == "asciikeypad")
    }

    @Test("CAN and SUB cancel a sequence, as on a terminal (the text after them is kept); C1 CSI is a sequence")
    func cancelAndC1() {
        #expect(text(["ab\u{1B}[12\u{18}cd"]) == "abcd")
        #expect(text(["ab\u{1B}]0;t\u{1A}cd"]) == "abcd")
        #expect(text(["x\u{9B}1;31my"]) == "xy")
    }

    @Test("a sequence split across chunks is still removed")
    func split() {
        #expect(text(["abc\u{1B}", "[3", "1m", "def"]) == "abcdef")
        #expect(text(["x\u{1B}]0;ti", "tle\u{07}y"]) == "xy")
    }

    @Test("a UTF-8 character split across chunks stays whole")
    func utf8() {
        let bytes = Array("日本".utf8)
        var t = TerminalText()
        t.append(Array(bytes[0..<2]))
        #expect(t.take() == "")
        t.append(Array(bytes[2...]))
        #expect(t.take(final: true) == "日本")
    }

    @Test("line endings, tabs, backspace, cursor moves")
    func controls() {
        #expect(text(["a\r\nb\rc"]) == "a\nb\nc")
        #expect(text(["ls -k\u{08}l"]) == "ls -l")
        #expect(text(["one\u{1B}[5Ctwo"]) == "one two")
        #expect(text(["a\tb\u{07}\u{00}c"]) == "a bc")
    }

    @Test("an unterminated OSC does not swallow the rest of the session")
    func runaway() {
        let out = text(["\u{1B}]0;" + String(repeating: "x", count: 9000) + "visible"])
        #expect(out.hasSuffix("visible"))
    }
}
