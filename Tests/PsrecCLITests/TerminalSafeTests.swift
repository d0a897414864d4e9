import Testing
@testable import PsrecCLI
@testable import PsrecFormat

/// Text output escapes the same list as JSON output (`UnsafeScalars`).
@Suite struct TerminalSafeTests {
    @Test func invisibleAndFormatCharactersAreEscaped() {
        #expect(TerminalSafe.escape("a\u{200B}b\u{2028}c\u{FEFF}d\u{202E}e\u{E0041}") == "a\\u{200b}b\\u{2028}c\\u{feff}d\\u{202e}e\\u{e0041}")
        #expect(TerminalSafe.escape("\u{1B}[31m\n") == "\\x1b[31m\\n")
        #expect(TerminalSafe.escape("café ✓") == "café ✓")
    }

    @Test func textAndJSONEscapeTheSameScalars() {
        for range in UnsafeScalars.ranges {
            for v in [range.lowerBound, range.upperBound] {
                let scalar = Unicode.Scalar(v)!
                #expect(!TerminalSafe.escape(String(scalar)).unicodeScalars.contains(scalar), "U+\(String(v, radix: 16)) in text")
                #expect(!JSONText.string(String(scalar)).unicodeScalars.contains(scalar), "U+\(String(v, radix: 16)) in JSON")
            }
        }
    }
}

/// `psrec events` writes a long body's text line in pieces; joined, exactly `text(_:)`.
@Suite struct EventsTextPiecesTests {
    @Test func piecesJoinToTheWholeLine() throws {
        let unit = Array("aé✓😀\u{200B}\u{202E}\"\\\u{1B}\n".utf8)
        var text: [UInt8] = []
        while text.count < 3 * TextBlocks.size + 7 { text += unit }
        var invalid = text
        for i in stride(from: 5, to: invalid.count, by: 4099) { invalid[i] = 0xFF }
        for (type, body) in [(EventType.output, text), (.input, invalid), (.output, Array(text.dropFirst(1))),
                             (.marker, invalid), (.command, text), (EventType(rawValue: 0x7E), invalid)] {
            var pieces: [String] = []
            try body.withUnsafeBytes { raw in
                let event = RawEvent(type: type, timeMicros: 1_500_000, body: raw)
                try EventsCommand.writeText(event) { pieces.append($0) }
                #expect(pieces.count > 1 || type.name.hasPrefix("unknown"))
                #expect(pieces.joined() == EventsCommand.text(TimedEvent(timeMicros: 1_500_000, event: try event.decoded())), "\(type.name)")
            }
        }
    }
}
