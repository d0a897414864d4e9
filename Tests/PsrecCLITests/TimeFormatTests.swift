import Testing
@testable import PsrecCLI

@Suite struct TimeFormatTests {
    @Test(arguments: [("90", Int64(90_000_000)), ("1.5", 1_500_000), ("1:30", 90_000_000), ("1:02:03.25", 3_723_250_000),
                      ("500ms", 500_000), ("2m", 120_000_000), ("1h", 3_600_000_000), ("0.000001", 1), ("7us", 7)])
    func parses(text: String, micros: Int64) {
        #expect(TimeFormat.parseMicros(text) == micros)
    }

    @Test(arguments: ["", "-1", "abc", "1:75", "1.", "1..2", "5x", "99999999999999999999"])
    func rejects(text: String) {
        #expect(TimeFormat.parseMicros(text) == nil)
    }

    @Test func printsClockAndISO() {
        #expect(TimeFormat.clock(6_671_030) == "0:06.671030")
        #expect(TimeFormat.clock(3_723_250_000) == "1:02:03.250000")
        #expect(TimeFormat.iso(unixMicros: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(TimeFormat.iso(unixMicros: 1_764_000_000_000_001) == "2025-11-24T16:00:00.000001Z")
    }

    @Test func terminalSafeEscapesControls() {
        #expect(TerminalSafe.escape("a\u{1B}[2Jb\n\u{202E}") == "a\\x1b[2Jb\\n\\u{202e}")
        #expect(TerminalSafe.escape(bytes: [0x41, 0xFF, 0x1B]) == "A\\xff\\x1b")
    }
}
