import PsrecFormat
import PsrecInterop
import Testing

@Suite("asciicast v1 import")
struct AsciicastV1ImporterTests {
    /// The example of the asciicast v1 specification, pretty-printed as asciinema 1.x wrote it.
    static let v1 = """
        {
          "version": 1,
          "width": 80,
          "height": 24,
          "duration": 1.515658,
          "command": "/bin/zsh",
          "title": "",
          "env": {
            "TERM": "xterm-256color",
            "SHELL": "/bin/zsh"
          },
          "stdout": [
            [
              0.248848,
              "\\u001b[1;31mHello \\u001b[32mWorld!\\u001b[0m\\n"
            ],
            [
              1.001376,
              "I am \\rThis is on the next line."
            ],
            [
              0.000001,
              "é"
            ]
          ]
        }

        """

    @Test("Frames are delays summed exactly; metadata from the document")
    func frames() throws {
        let c = try convertInMemory(Self.v1)
        #expect(c.report.format == .asciicastV1)
        #expect(c.report.events == 3)
        #expect(c.events.map(\.timeMicros) == [248_848, 1_250_224, 1_250_225])
        #expect(c.output == Array("\u{1b}[1;31mHello \u{1b}[32mWorld!\u{1b}[0m\nI am \rThis is on the next line.é".utf8))
        let m = try #require(c.metadata)
        #expect(m.terminal == RecordingMetadata.Terminal(cols: 80, rows: 24, type: "xterm-256color"))
        #expect(m.command == "/bin/zsh")
        #expect(m.extra["asciicast.duration"] == "1.515658")
        #expect(m.captureToolVersion == "asciicast-v1")
    }

    @Test("Members after stdout still reach the metadata")
    func stdoutFirst() throws {
        let c = try convertInMemory(#"{"stdout": [[0.5, "a"], [0.5, "b"]], "version": 1, "width": 100, "height": 40}"#)
        #expect(c.output == Array("ab".utf8))
        #expect(c.metadata?.terminal?.cols == 100)
        #expect(c.events.map(\.timeMicros) == [500_000, 1_000_000])
    }

    @Test("A malformed frame names its line; lenient mode skips it")
    func malformedFrame() throws {
        let text = "{\"version\": 1, \"width\": 80, \"height\": 24, \"stdout\": [\n[0.1, \"a\"],\n[\"x\", 0.1],\n[0.1, \"b\"]\n]}\n"
        let error = try #require(conversionError(text))
        #expect(error.code == .malformedLine)
        #expect(error.description == "demo.cast line 3: expected a JSON array [delay, data]")
        let c = try convertInMemory(text, lenient: true)
        #expect(c.output == Array("ab".utf8))
        #expect(c.report.skippedLines == 1)
    }

    @Test("A truncated document: error in strict mode, frames before the cut in lenient mode")
    func truncated() throws {
        let cut = String(Self.v1.prefix(Self.v1.count - 40))
        let error = try #require(conversionError(cut))
        #expect(error.code == .truncatedLine)
        #expect(error.line != nil)
        let c = try convertInMemory(cut, lenient: true)
        #expect(c.output == Array("\u{1b}[1;31mHello \u{1b}[32mWorld!\u{1b}[0m\nI am \rThis is on the next line.".utf8))
        #expect(c.report.skippedLines == 1)
    }
}
