import PsrecTerminal
import PsrecTestSupport
import Testing

/// Records every action as a line of text.
struct Recorder: TerminalActions {
    var log: [String] = []
    var text: [UInt32] = []

    mutating func flush() {
        if !text.isEmpty { log.append("print " + String(String.UnicodeScalarView(text.compactMap(Unicode.Scalar.init)))); text = [] }
    }
    mutating func print(_ scalar: UInt32) { text.append(scalar) }
    mutating func execute(_ control: UInt32) { flush(); log.append("execute \(control)") }
    mutating func escape(final: UInt32, intermediate: UInt32) { flush(); log.append("esc \(intermediate) \(final)") }
    mutating func controlSequence(_ s: ControlSequence) {
        flush()
        log.append("csi \(s.privateMarker) \(s.parameters) \(s.intermediate) \(s.final)")
    }
    mutating func oscByte(_ byte: UInt32) { flush(); if log.last?.hasPrefix("osc ") == true { log[log.count - 1] += String(Unicode.Scalar(byte)!) } else { log.append("osc " + String(Unicode.Scalar(byte)!)) } }
    mutating func oscEnd() { flush(); log.append("osc end") }
    mutating func stringEnd() { flush(); log.append("string end") }

    static func run(_ bytes: [UInt8], parser: TerminalParser = TerminalParser(), pieces: [Int] = []) -> [String] {
        var parser = parser
        var recorder = Recorder()
        var start = 0
        for cut in pieces + [bytes.count] where cut >= start {
            parser.feed(Array(bytes[start..<cut]), into: &recorder)
            start = cut
        }
        recorder.flush()
        return recorder.log
    }
}

@Suite("TerminalParser: one parser for every reader of terminal bytes")
struct TerminalParserTests {
    @Test("Control sequences: parameters, defaults, private marker, intermediate, colon sub-parameters")
    func controlSequences() {
        #expect(Recorder.run(Array("a\u{1B}[1;22Hb\u{1B}[?1049h\u{1B}[ q\u{1B}[38:2:1:2:3m\u{1B}[;5H".utf8)) == [
            "print a", "csi 0 [1, 22] 0 72", "print b", "csi 63 [1049] 0 104", "csi 0 [] 32 113",
            "csi 0 [38, 2, 1, 2, 3] 0 109", "csi 0 [0, 5] 0 72",
        ])
    }

    @Test("Which parameters came after a colon is kept: 38:2::1:2:3 is not 38;2;0;1;2 and 3")
    func subParameterMask() throws {
        struct Sequences: TerminalActions {
            var found: [ControlSequence] = []
            mutating func controlSequence(_ sequence: ControlSequence) { found.append(sequence) }
        }
        var parser = TerminalParser()
        var sequences = Sequences()
        parser.feed(Array("\u{1B}[38:2::1:2:3;4:3m\u{1B}[38;2;0;1;2;3m\u{1B}[1:m\u{1B}[5;6H".utf8), into: &sequences)
        let found = sequences.found
        try #require(found.count == 4)
        #expect(found[0].parameters == [38, 2, 0, 1, 2, 3, 4, 3])
        #expect((0..<8).map(found[0].isSubParameter) == [false, true, true, true, true, true, false, true])
        #expect(found[1].parameters == [38, 2, 0, 1, 2, 3] && found[1].subParameters == 0)
        #expect(found[2].parameters == [1] && found[2].subParameters == 0)
        // The mask starts afresh with each sequence.
        #expect(found[3].parameters == [5, 6] && found[3].subParameters == 0)
    }

    @Test("Parameters are bounded: at most 32 kept, each cut at 99 999")
    func boundedParameters() {
        let many = "\u{1B}[" + (0..<100).map(String.init).joined(separator: ";") + "m"
        let log = Recorder.run(Array(many.utf8) + Array("\u{1B}[123456789012345678901234567890A".utf8))
        #expect(log.count == 2)
        #expect(log[0] == "csi 0 \(Array(0..<32)) 0 109")
        #expect(log[1] == "csi 0 [99999] 0 65")
    }

    @Test("CAN and SUB cancel a sequence; ESC inside one starts a new one")
    func cancel() {
        #expect(Recorder.run(Array("\u{1B}[12\u{18}x\u{1B}[3\u{1A}y\u{1B}[5\u{1B}[6Az".utf8)) == [
            "execute 24", "print x", "execute 26", "print y", "csi 0 [6] 0 65", "print z",
        ])
    }

    @Test("Strings: OSC ends at BEL, ST or C1 ST; DCS, SOS, PM and APC bodies are ignored to ST")
    func strings() {
        let bytes = Array("\u{1B}]0;title\u{07}a\u{1B}]2;t2\u{1B}\\b".utf8) + [0xC2, 0x9D] + Array("x".utf8) + [0xC2, 0x9C]
            + Array("c\u{1B}Pq#0;1\u{1B}\\d\u{1B}_apc\u{07}still\u{1B}\\e".utf8)
        #expect(Recorder.run(bytes) == [
            "osc 0;title", "osc end", "print a", "osc 2;t2", "osc end", "esc 0 92", "print b", "osc x", "osc end",
            "print c", "string end", "esc 0 92", "print d", "string end", "esc 0 92", "print e",
        ])
    }

    @Test("C1 controls as UTF-8 (U+0080–U+009F) act as their 7-bit forms")
    func c1Controls() {
        #expect(Recorder.run([0xC2, 0x9B] + Array("2J".utf8) + [0xC2, 0x85, 0x41]) == ["csi 0 [2] 0 74", "execute 133", "print A"])
    }

    @Test("Escape sequences with intermediates dispatch once, with the intermediate")
    func escapes() {
        #expect(Recorder.run(Array("\u{1B}(B\u{1B}7\u{1B}#8\u{1B}c".utf8)) == ["esc 40 66", "esc 0 55", "esc 35 56", "esc 0 99"])
    }

    @Test("Any split of the stream gives the same actions", arguments: [
        "héllo\u{1B}[31;1mred\u{1B}]0;t\u{07}日本\u{1B}(B\u{1B}[?25l\r\n",
        "\u{1B}P1$r0m\u{1B}\\ok\u{1B}[38;5;196m✓",
    ])
    func splits(text: String) {
        let bytes = Array(text.utf8)
        let whole = Recorder.run(bytes)
        for cut in 0...bytes.count {
            #expect(Recorder.run(bytes, pieces: [cut]) == whole, "cut at \(cut)")
        }
    }

    @Test("UTF-8: the same scalars as Swift's decoder, U+FFFD per maximal invalid subpart, whatever the split")
    func utf8MatchesSwift() {
        var generator = SeededGenerator()
        let alphabet: [UInt8] = [0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x8F, 0x90]
        for _ in 0..<500 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var decoder = UTF8StreamDecoder()
            var scalars: [UInt32] = []
            for byte in bytes { decoder.decode(byte) { scalars.append($0) } }
            decoder.finish { scalars.append($0) }
            let expected = String(decoding: bytes, as: UTF8.self).unicodeScalars.map(\.value)
            #expect(scalars == expected, "\(bytes.map { String($0, radix: 16) }), \(generator.note())")
        }
    }

    @Test("isAtBoundary holds between characters and sequences only")
    func boundary() {
        var parser = TerminalParser()
        for (piece, expected) in [("a", true), ("\u{1B}", false), ("[3", false), ("1m", true), ("\u{1B}]0;x", false), ("\u{07}", true)] {
            parser.feed(Array(piece.utf8))
            #expect(parser.isAtBoundary == expected, "after \(piece.debugDescription)")
        }
        parser.feed([0xE6, 0x97])
        #expect(!parser.isAtBoundary)
        parser.feed([0xA5])
        #expect(parser.isAtBoundary)
    }

    @Test("With maxStringBytes, an unterminated string gives up and the text after it is printed")
    func stringLimit() {
        let bytes = Array("\u{1B}]0;".utf8) + [UInt8](repeating: 0x61, count: 20) + Array("\u{1B}[1mz".utf8)
        let limited = Recorder.run(bytes, parser: TerminalParser(maxStringBytes: 10))
        #expect(limited.contains("csi 0 [1] 0 109"))
        #expect(limited.last == "print z")
        // "0;" and eight a's are the string's ten bytes; the other twelve a's are text.
        #expect(limited.contains("print " + String(repeating: "a", count: 12)))
        let unlimited = Recorder.run(Array("\u{1B}]0;".utf8) + [UInt8](repeating: 0x61, count: 20) + Array("z".utf8))
        #expect(!unlimited.contains { $0.hasPrefix("print") })
    }
}

@Suite("TerminalParser reading a terminal's input")
struct TerminalInputParserTests {
    struct Keys: TerminalActions {
        var log: [String] = []
        mutating func print(_ scalar: UInt32) { log.append("key \(scalar)") }
        mutating func execute(_ control: UInt32) { log.append("control \(control)") }
        mutating func singleShift(_ shift: UInt32, _ scalar: UInt32) { log.append("ss\(shift) \(scalar)") }
        mutating func controlSequence(_ s: ControlSequence) { log.append("csi \(s.privateMarker) \(s.parameters) \(s.final)") }
        mutating func mouseReport(button: UInt8, x: UInt8, y: UInt8) { log.append("mouse \(button) \(x) \(y)") }
    }

    static func keys(_ bytes: [UInt8], splitAt cut: Int? = nil) -> [String] {
        var parser = TerminalParser(readsInput: true)
        var keys = Keys()
        let cut = cut ?? bytes.count
        parser.feed(Array(bytes[..<cut]), into: &keys)
        parser.feed(Array(bytes[cut...]), into: &keys)
        return keys.log
    }

    @Test("X10 mouse reports take three raw bytes, even bytes that are not UTF-8, at any split")
    func x10() {
        let bytes: [UInt8] = [0x1B, 0x5B, 0x4D, 0x20, 0xC8, 0xFF, 0x61]
        for cut in 0...bytes.count {
            #expect(Self.keys(bytes, splitAt: cut) == ["mouse 32 200 255", "key 97"], "cut at \(cut)")
        }
    }

    @Test("SS3 keys (ESC O A), DEL and SGR mouse reports")
    func keysAndMouse() {
        #expect(Self.keys(Array("\u{1B}OAx\u{7F}\u{1B}[<0;12;5M".utf8)) == ["ss3 65", "key 120", "control 127", "csi 60 [0, 12, 5] 77"])
    }

    @Test("An output parser takes CSI M as a control sequence (delete lines), not a mouse report")
    func outputIsNotInput() {
        var parser = TerminalParser()
        var keys = Keys()
        parser.feed(Array("\u{1B}[Mab".utf8), into: &keys)
        #expect(keys.log == ["csi 0 [] 77", "key 97", "key 98"])
    }
}
