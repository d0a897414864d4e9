import PsrecFormat
import PsrecInterop
import Testing

@Suite("asciicast v2 and v3 import")
struct AsciicastLinesImporterTests {
    static let v2 = """
        {"version": 2, "width": 80, "height": 24, "timestamp": 1504467315, "title": "Demo", "command": "/bin/zsh", "idle_time_limit": 2.5, "env": {"TERM": "xterm-256color", "SHELL": "/bin/zsh"}}
        [0.248848, "o", "\\u001b[1;31mHello \\u001b[32mWorld!\\u001b[0m\\n"]
        [1.001376, "o", "That was ok\\rThis is better."]
        [1.2, "i", "ls\\r"]
        [1.500000, "m", "chapter 1"]
        [2.143733, "o", "Now... héllo ✓"]
        [4.050000, "r", "90x30"]
        [6.541828, "o", "Bye!"]

        """

    /// The v3 example of the asciicast v3 specification, extended with input and a second marker.
    static let v3 = """
        {"version": 3, "term": {"cols": 80, "rows": 24, "type": "xterm-256color", "version": "VTE(7802)"}, "timestamp": 1504467315, "title": "Demo", "env": {"SHELL": "/bin/zsh"}, "tags": ["demo", "v3"]}
        # event stream follows the header
        [0.248, "o", "\\u001b[1;31mHello \\u001b[32mWorld!\\u001b[0m\\n"]
        [1.001, "o", "That was ok\\rThis is better."]
        [3.500, "m", ""]
        [0.143, "o", "Now... "]
        [0.010, "i", "q"]
        # terminal window resized to 90 cols and 30 rows
        [2.050, "r", "90x30"]
        [1.541, "o", "Bye!"]
        [0.100, "m", "end"]
        [0.887, "x", "0"]

        """

    @Test("v2: output, input, marker, resize at their exact times; metadata from the header")
    func v2Events() throws {
        let c = try convertInMemory(Self.v2)
        #expect(c.report.format == .asciicastV2)
        #expect(c.report.events == 7)
        #expect(c.report.skippedLines == 0)
        #expect(c.report.durationMicros == 6_541_828)
        #expect(c.output == Array("\u{1b}[1;31mHello \u{1b}[32mWorld!\u{1b}[0m\nThat was ok\rThis is better.Now... héllo ✓Bye!".utf8))
        #expect(c.nonOutput == [
            TimedEvent(timeMicros: 1_200_000, event: .input(Array("ls\r".utf8))),
            TimedEvent(timeMicros: 1_500_000, event: .marker("chapter 1")),
            TimedEvent(timeMicros: 4_050_000, event: .resize(cols: 90, rows: 30)),
        ])
        #expect(c.events.map(\.timeMicros) == [248_848, 1_001_376, 1_200_000, 1_500_000, 2_143_733, 4_050_000, 6_541_828])
        let m = try #require(c.metadata)
        #expect(m.startUnixMicros == 1_504_467_315_000_000)
        #expect(m.terminal == RecordingMetadata.Terminal(cols: 80, rows: 24, type: "xterm-256color"))
        #expect(m.title == "Demo")
        #expect(m.command == "/bin/zsh")
        #expect(m.extra["env.SHELL"] == "/bin/zsh")
        #expect(m.extra["asciicast.idle_time_limit"] == "2.5")
        #expect(m.sessionProtocol == .ssh)
        #expect(m.captureTool == "psrec convert")
        #expect(m.captureToolVersion == "asciicast-v2")
        #expect(c.reader.durationMicros == 6_541_828)
    }

    @Test("Markers become indicators in the index")
    func markersAreIndicators() throws {
        let c = try convertInMemory(Self.v2)
        #expect(c.reader.indicators.map(\.kind) == [.marker])
        #expect(c.reader.indicators.first?.detail == "chapter 1")
        #expect(c.reader.indicators.first?.timeMicros == 1_500_000)
        let v3 = try convertInMemory(Self.v3)
        #expect(v3.reader.indicators.map(\.detail) == ["", "end"])
    }

    @Test("v3: intervals summed in integer microseconds; comments skipped; exit status kept")
    func v3Events() throws {
        let c = try convertInMemory(Self.v3)
        #expect(c.report.format == .asciicastV3)
        #expect(c.report.events == 9)
        #expect(c.events.map(\.timeMicros) == [248_000, 1_249_000, 4_749_000, 4_892_000, 4_902_000, 6_952_000, 8_493_000, 8_593_000, 9_480_000])
        #expect(c.nonOutput.map(\.event) == [.marker(""), .input([0x71]), .resize(cols: 90, rows: 30), .marker("end"), .exit(0)])
        let m = try #require(c.metadata)
        #expect(m.terminal == RecordingMetadata.Terminal(cols: 80, rows: 24, type: "xterm-256color"))
        #expect(m.extra["asciicast.term_version"] == "VTE(7802)")
        #expect(m.extra["asciicast.tags"] == "demo,v3")
        #expect(m.extra["env.SHELL"] == "/bin/zsh")
        #expect(m.captureToolVersion == "asciicast-v3")
    }

    @Test("v3: 200 000 intervals of 1 µs add up exactly, where summing floats drifts")
    func v3NoDrift() throws {
        var text = #"{"version": 3, "term": {"cols": 80, "rows": 24}}"# + "\n"
        let line = #"[0.000001, "o", "."]"# + "\n"
        text.reserveCapacity(text.utf8.count + 200_000 * line.utf8.count)
        for _ in 0..<200_000 { text += line }
        text += #"[12345.678901, "o", "!"]"# + "\n"
        let c = try convertInMemory(text)
        let last = try #require(c.events.last)
        #expect(last.timeMicros == 12_345_878_901)
        #expect(last.event == .output([0x21]))
        #expect(c.events.first?.timeMicros == 1)
        #expect(c.output.count == 200_001)
    }

    @Test("Timing keeps every digit the input has")
    func exactTiming() throws {
        let text = """
            {"version": 2, "width": 80, "height": 24}
            [0.000001, "o", "a"]
            [12345.678901, "o", "b"]
            [12345.6789015, "o", "c"]
            [98765.4321, "o", "d"]

            """
        let c = try convertInMemory(text)
        #expect(c.events.map(\.timeMicros) == [1, 12_345_678_901, 12_345_678_902, 98_765_432_100])
    }

    @Test("Times going backwards are clamped to the previous time and reported")
    func clamping() throws {
        let text = """
            {"version": 2, "width": 80, "height": 24}
            [1.0, "o", "a"]
            [0.5, "o", "b"]
            [2.0, "o", "c"]
            [1.5, "o", "d"]
            [-3, "o", "e"]

            """
        let c = try convertInMemory(text)
        #expect(c.events.map(\.timeMicros) == [1_000_000, 1_000_000, 2_000_000, 2_000_000, 2_000_000])
        #expect(c.report.clampedTimes == 3)
        #expect(c.report.warnings.contains { $0.contains("3 event times went backwards") && $0.contains("line 3") })
        #expect(c.output == Array("abcde".utf8))
        let v3 = try convertInMemory(#"{"version": 3, "term": {"cols": 80, "rows": 24}}"# + "\n[1, \"o\", \"a\"]\n[-0.5, \"o\", \"b\"]\n[1, \"o\", \"c\"]\n")
        #expect(v3.events.map(\.timeMicros) == [1_000_000, 1_000_000, 2_000_000])
        #expect(v3.report.clampedTimes == 1)
    }

    @Test("Lone surrogate escapes in output become U+FFFD instead of failing")
    func loneSurrogateOutput() throws {
        let c = try convertInMemory(#"{"version": 2, "width": 80, "height": 24}"# + "\n" + #"[0.1, "o", "x\ud83d y \ude00 z \ud83d\ude00"]"# + "\n")
        #expect(c.output == Array("x\u{FFFD} y \u{FFFD} z 😀".utf8))
    }

    @Test("A malformed line is an error naming the file and the line", arguments: [
        ("[1.0, \"o\"]", "line 3: expected a JSON array [time, code, data]"),
        ("{\"a\": 1}", "line 3: expected a JSON array [time, code, data]"),
        ("[\"1.0\", \"o\", \"x\"]", "line 3: expected a JSON array [time, code, data]"),
        ("[1.0, \"o\", \"x\"] junk", "line 3: unexpected text after the event array (column 17)"),
        ("[1.0, \"r\", \"wide\"]", "line 3: a resize event needs a size such as \"80x24\", not \"wide\""),
        ("[1.0, \"o\", \"bad \\q escape\"]", "line 3: the event data is not a valid JSON string (column 17)"),
        ("[1e300, \"o\", \"x\"]", "line 3: the time 1e300 is out of range"),
        ("[1.0, \"o\", 5]", "line 3: output data must be a JSON string"),
    ])
    func malformedLine(line: String, message: String) throws {
        let text = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"ok\"]\n\(line)\n[2.0, \"o\", \"after\"]\n"
        let error = try #require(conversionError(text))
        #expect(error.code == .malformedLine)
        #expect(error.line == 3)
        #expect(error.description == "demo.cast " + message)
    }

    @Test("Lenient mode skips malformed lines and counts them")
    func lenientSkips() throws {
        let text = """
            {"version": 2, "width": 80, "height": 24}
            [0.5, "o", "a"]
            not json at all
            [1.0, "o"]
            [1.5, "o", "b"]
            [2.0, "r", "x"]
            [2.5, "o", "c"]

            """
        let c = try convertInMemory(text, lenient: true)
        #expect(c.report.skippedLines == 3)
        #expect(c.output == Array("abc".utf8))
        #expect(c.report.warnings.contains { $0.contains("3 malformed lines were skipped (first at line 3") })
    }

    @Test("A torn last line: an error naming the line in strict mode, skipped in lenient mode")
    func tornLastLine() throws {
        let text = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\n[1.0, \"o\", \"b\"]\n[1.5, \"o\", \"unfinis"
        let error = try #require(conversionError(text))
        #expect(error.code == .truncatedLine)
        #expect(error.line == 4)
        #expect(error.description.hasPrefix("demo.cast line 4: the last line is cut short"))
        let c = try convertInMemory(text, lenient: true)
        #expect(c.output == Array("ab".utf8))
        #expect(c.report.skippedLines == 1)
        #expect(c.report.warnings.contains { $0.contains("line 4, the last line, is cut short") })
    }

    @Test("A last line without line feed that parses is kept")
    func lastLineWithoutNewline() throws {
        let c = try convertInMemory("{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\"]\r\n[1.0, \"o\", \"b\"]")
        #expect(c.output == Array("ab".utf8))
    }

    @Test("Unknown event codes are left out with a warning; blank lines are ignored")
    func unknownCodes() throws {
        let c = try convertInMemory("{\"version\": 2, \"width\": 80, \"height\": 24}\n\n[0.5, \"o\", \"a\"]\n[0.6, \"z\", \"?\"]\n   \n[0.7, \"o\", \"b\"]\n")
        #expect(c.output == Array("ab".utf8))
        #expect(c.report.ignoredEvents == 1)
        #expect(c.report.warnings.contains { $0.contains("\"z\" at line 4") })
    }

    @Test("A bad header is an error naming line 1")
    func badHeader() throws {
        let error = try #require(conversionError("{\"version\": 2, \"width\": 80\n[1, \"o\", \"x\"]\n"))
        // The first line is not a whole object, but it names version 2: detected, then rejected.
        #expect(error.code == .malformedHeader)
        #expect(error.description == "demo.cast line 1: the header is not a JSON object with \"version\": 2")
    }

    @Test("A missing timestamp falls back to 0 with a warning; options override it")
    func startTime() throws {
        let text = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"o\", \"x\"]\n"
        let c = try convertInMemory(text)
        #expect(c.metadata?.startUnixMicros == 0)
        #expect(c.report.warnings.contains { $0.contains("gives no start time") })
        let forced = try convertInMemory(Array(text.utf8), options: ConversionOptions(startUnixMicros: 42))
        #expect(forced.metadata?.startUnixMicros == 42)
        #expect(forced.report.warnings.isEmpty)
    }

    @Test("User, application and host come from the options")
    func identity() throws {
        let options = ConversionOptions(user: "alice", application: "db-prod", host: "db1.example.net")
        let c = try convertInMemory(Array(Self.v2.utf8), options: options)
        #expect(c.metadata?.user == "alice")
        #expect(c.metadata?.application == "db-prod")
        #expect(c.metadata?.host == "db1.example.net")
    }

    @Test("One big output event comes back whole")
    func bigOutputSplitsAcrossChunks() throws {
        // 1 MiB of output in one event: the writer splits it; the bytes come back whole.
        let payload = String(repeating: "0123456789abcdef", count: 65_536)
        let c = try convertInMemory("{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"\(payload)\"]\n")
        #expect(c.output == Array(payload.utf8))
        #expect(c.report.events == 1)
    }
}
