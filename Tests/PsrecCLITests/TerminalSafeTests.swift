import Testing
import PsrecCLI
import PsrecFormat

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
