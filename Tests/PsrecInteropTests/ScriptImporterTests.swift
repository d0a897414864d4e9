import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// Converts a script recording held in memory.
func convertScriptInMemory(timing: String, output: [UInt8]?, input: [UInt8]? = nil, shared: Bool = false,
                           lenient: Bool = false) throws -> Converted {
    let sink = MemorySink()
    let report = try Converter.convertScript(timing: MemoryInput(Array(timing.utf8), name: "timing"),
                                             outputLog: output.map { MemoryInput($0, name: "typescript") },
                                             inputLog: input.map { MemoryInput($0, name: "in.log") }, sharedLog: shared,
                                             sink: sink, options: ConversionOptions(lenient: lenient))
    let reader = try RecordingReader(source: MemorySource(sink.bytes))
    #expect(reader.status == .complete)
    return Converted(report: report, reader: reader, events: Array(reader.events()))
}

@Suite("util-linux script importer")
struct ScriptImporterTests {
    static let header = #"Script started on 2024-05-01 10:00:00+02:00 [COMMAND="printf "a b"" TERM="xterm-256color" TTY="/dev/pts/3" COLUMNS="100" LINES="30"]"# + "\n"
    static let footer = "\nScript done on 2024-05-01 10:00:09+02:00 [COMMAND_EXIT_CODE=\"3\"]\n"

    @Test("Classic: DELAY BYTES lines count the typescript's bytes; header and footer are script's")
    func classic() throws {
        let body: [UInt8] = Array("hello\r\n".utf8) + [0xC3] + [0xA9, 0x1B, 0x5B, 0x6D]
        let c = try convertScriptInMemory(timing: "0.100000 7\n0.250001 1\n2.000000 4\n",
                                          output: Array(Self.header.utf8) + body + Array(Self.footer.utf8))
        #expect(c.report.format == .script)
        #expect(c.output == body)
        #expect(c.events.map(\.timeMicros) == [100_000, 350_001, 2_350_001, 2_350_001])
        #expect(c.events.last?.event == .exit(3))
        let meta = try #require(c.metadata)
        #expect(meta.startUnixMicros == 1_714_550_400_000_000)
        #expect(meta.terminal == .init(cols: 100, rows: 30, type: "xterm-256color"))
        #expect(meta.command == #"printf "a b""#)
        #expect(meta.extra["tty"] == "/dev/pts/3")
        #expect(c.report.warnings.isEmpty)
    }

    @Test("Advanced with --log-io: input and output share one file in timing order; resize; exit at DURATION")
    func advancedShared() throws {
        let timing = """
        H 0.000000 START_TIME 2024-05-01 08:00:00+00:00
        H 0.000000 TERM xterm
        H 0.000000 COLUMNS 80
        H 0.000000 LINES 24
        H 0.000000 SHELL /bin/bash
        H 0.000000 COMMAND bash -i
        O 0.025136 3
        I 0.511389 2
        S 0.301306 SIGWINCH ROWS=40 COLS=120
        S 0.000100 SIGINT
        O 0.000076 3
        H 0.000000 DURATION 1.150241
        H 0.000000 EXIT_CODE 130

        """
        let log = Array((Self.header + "$ lsls\r\nkilled" + Self.footer).utf8)
        let c = try convertScriptInMemory(timing: timing, output: log, shared: true)
        #expect(c.report.format == .scriptAdvanced)
        #expect(c.events.map(\.event) == [.output(Array("$ l".utf8)), .input(Array("sl".utf8)), .resize(cols: 120, rows: 40),
                                          .output(Array("s\r\n".utf8)), .output(Array("killed".utf8)), .exit(130)])
        #expect(c.events.map(\.timeMicros) == [25_136, 536_525, 837_831, 838_007, 838_007, 1_150_241])
        #expect(c.metadata?.startUnixMicros == 1_714_550_400_000_000)
        #expect(c.metadata?.terminal == .init(cols: 80, rows: 24, type: "xterm"))
        #expect(c.metadata?.command == "bash -i")
        #expect(c.metadata?.extra["shell"] == "/bin/bash")
        #expect(c.report.ignoredEvents == 1)
        // Bytes after the last counted one (script killed before writing their timing) come last.
        #expect(c.report.warnings.first == "typescript holds 6 bytes after the last one timing counts (as when script is killed); they were added at the end")
        #expect(c.report.warnings.last == "1 event of a type psrec does not import was left out (first: \"SIGINT\" at line 10)")
    }

    @Test("Advanced without an input log leaves input entries out and says so")
    func advancedNoInputLog() throws {
        let c = try convertScriptInMemory(timing: "O 0.1 2\nI 0.2 5\nO 0.3 2\n", output: Array("abcd".utf8))
        #expect(c.output == Array("abcd".utf8))
        #expect(c.events.map(\.timeMicros) == [100_000, 600_000])
        #expect(c.report.warnings.contains { $0.contains("1 input entry of timing were left out") })
    }

    @Test("Separate --log-out and --log-in files each lose their own header and footer")
    func separateLogs() throws {
        let out = Array((Self.header + "prompt$ x\r\n" + Self.footer).utf8)
        let inp = Array((Self.header + "x\r" + Self.footer).utf8)
        let c = try convertScriptInMemory(timing: "O 0.5 8\nI 1 2\nO 0.000001 3\n", output: out, input: inp)
        #expect(c.output == Array("prompt$ x\r\n".utf8))
        #expect(c.events.compactMap { if case .input(let b) = $0.event { b } else { nil } } == [Array("x\r".utf8)])
        #expect(c.report.warnings.isEmpty)
    }

    @Test("A data file shorter than the timing counts is an error naming it; lenient keeps what is there")
    func truncatedData() throws {
        let timing = "0.1 3\n0.2 10\n"
        do {
            _ = try convertScriptInMemory(timing: timing, output: Array("Script started on x\nabcdef".utf8))
            Issue.record("expected an error")
        } catch let error as ConversionError {
            #expect(error.code == .truncatedData)
            #expect(error.description == "typescript at byte 23: the file ends at byte 26 but timing line 2 counts 7 more bytes")
        }
        let c = try convertScriptInMemory(timing: timing, output: Array("abcdef".utf8), lenient: true)
        #expect(c.output == Array("abcdef".utf8))
        #expect(c.report.skippedLines == 1)
    }

    @Test("Malformed timing lines name the line; lenient skips them", arguments: ["0.1 x\n", "abc\n", "0.1\n", "O 0.1\n"])
    func malformed(line: String) throws {
        let timing = "0.1 1\n" + line + "0.1 1\n"
        do {
            _ = try convertScriptInMemory(timing: timing, output: Array("ab".utf8))
            Issue.record("expected an error")
        } catch let error as ConversionError {
            #expect(error.code == .malformedLine)
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("timing line 2: "))
        }
        let c = try convertScriptInMemory(timing: timing, output: Array("ab".utf8), lenient: true)
        #expect(c.output == Array("ab".utf8))
        #expect(c.report.skippedLines == 1)
    }

    @Test("A typescript given alone is recognised and the error says what to add")
    func typescriptAlone() throws {
        let error = try #require(conversionError(Self.header + "x" + Self.footer, name: "typescript"))
        #expect(error.code == .needsMoreFiles)
        #expect(error.description == "typescript: is a util-linux script typescript, which is read with its timing file")
    }

    @Test("The script header line parses its keys even when COMMAND holds quotes")
    func header() throws {
        let c = try convertScriptInMemory(timing: "0.1 1\n", output: Array((#"Script started on 2024-01-02 03:04:05-01:30 [COMMAND="echo "x" TERM="" <not executed on terminal>]"# + "\nz").utf8))
        #expect(c.metadata?.command == #"echo "x" TERM=""#)
        #expect(c.metadata?.startUnixMicros == 1_704_170_045_000_000)
        #expect(c.metadata?.terminal == nil)
    }
}

/// Records real commands with util-linux `script` in its three ways of logging and checks
/// the conversion against the files, parsed independently (line splitting, integer sums).
@Suite("Real script recordings", .serialized)
struct RealScriptTests {
    static var hasScript: Bool { Recorders.script != nil }

    /// Sum of the delays of the timing lines (classic, or advanced O/I/S), in µs, and the
    /// O and I byte counts, parsed here with string splitting.
    private func timingSums(_ text: String) -> (micros: Int64, out: Int, inp: Int) {
        var micros: Int64 = 0, out = 0, inp = 0
        for line in text.split(separator: "\n") {
            var fields = line.split(separator: " ").map(String.init)
            var kind = "O"
            if ["O", "I", "S", "H"].contains(fields[0]) { kind = fields.removeFirst() }
            if kind == "H" { continue }
            let parts = fields[0].split(separator: ".")
            micros += Int64(parts[0])! * 1_000_000 + Int64(parts[1])!
            if kind == "O" { out += Int(fields[1])! }
            if kind == "I" { inp += Int(fields[1])! }
        }
        return (micros, out, inp)
    }

    /// A log's bytes without script's first line and its "Script done" footer.
    private func body(_ data: [UInt8]) -> [UInt8] {
        var bytes = Array(data.drop(while: { $0 != 0x0A }).dropFirst())
        let text = String(decoding: bytes, as: UTF8.self)
        if let range = text.range(of: "\nScript done on ", options: .backwards) {
            bytes = Array(text[..<range.lowerBound].utf8)
        }
        return bytes
    }

    @Test("script -t: output identical to the typescript's body, times the timing file's sums",
          .enabled(if: hasScript, "util-linux script is needed"))
    func classic() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ts = dir.appendingPathComponent("typescript").path, timing = dir.appendingPathComponent("timing").path
        let psrec = dir.appendingPathComponent("out.psrec").path
        let command = #"printf '\033[1;31mred\033[0m héllo ✓ 日本語\n'; sleep 0.2; ls --color=always /usr/share | head -40"#
        let result = try Recorders.inTerminal("script -q --timing=\(timing) -c \(shellQuoted(command)) \(ts)")
        try #require(result.status == 0, "script failed: \(result.output)")
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: ts)))
        let sums = timingSums(try String(contentsOfFile: timing, encoding: .utf8))
        let report = try Converter.convertScript(timingPath: timing, outputLogPath: ts, outputPath: psrec, options: ConversionOptions())
        #expect(report.format == .script)
        #expect(report.warnings.isEmpty)
        let reader = try RecordingReader(path: psrec)
        let events = Array(reader.events())
        let output = events.reduce(into: [UInt8]()) { if case .output(let b) = $1.event { $0 += b } }
        #expect(output == body(data))
        #expect(output.count == sums.out)
        #expect(events.last(where: { if case .output = $0.event { true } else { false } })?.timeMicros == sums.micros)
        #expect(events.last?.event == .exit(0))
        #expect(reader.metadata?.terminal?.cols == 100)
        #expect(reader.metadata?.terminal?.rows == 30)
    }

    @Test("script --log-io / --log-out --log-in with --log-timing: output, input and times exact",
          .enabled(if: hasScript, "util-linux script is needed"), arguments: [true, false])
    func advanced(shared: Bool) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let timing = dir.appendingPathComponent("timing").path, io = dir.appendingPathComponent("io.log").path
        let out = dir.appendingPathComponent("out.log").path, inp = dir.appendingPathComponent("in.log").path
        let psrec = dir.appendingPathComponent("out.psrec").path
        let logs = shared ? "--log-io \(io)" : "--log-out \(out) --log-in \(inp)"
        // Input typed through the outer terminal: script logs it as I entries.
        let result = try Recorders.inTerminal("(sleep 0.4; printf 'echo typed\\r'; sleep 0.4; printf 'exit\\r') | script -q -E always \(logs) --log-timing \(timing) -c 'bash --norc -i' >/dev/null")
        try #require(result.status == 0, "script failed: \(result.output)")
        let timingText = try String(contentsOfFile: timing, encoding: .utf8)
        let sums = timingSums(timingText)
        let report: ConversionReport
        if shared {
            // Only the timing file given: the logs are found from its OUTPUT_LOG/INPUT_LOG headers.
            report = try Converter.convert(inputPath: timing, outputPath: psrec, options: ConversionOptions())
        } else {
            report = try Converter.convertScript(timingPath: timing, outputLogPath: out, inputLogPath: inp, outputPath: psrec, options: ConversionOptions())
        }
        #expect(report.format == .scriptAdvanced)
        #expect(report.warnings.isEmpty, "\(report.warnings)")
        let reader = try RecordingReader(path: psrec)
        let events = Array(reader.events())
        var output: [UInt8] = [], input: [UInt8] = [], sequence: [UInt8] = []
        for event in events {
            if case .output(let b) = event.event { output += b; sequence += b }
            if case .input(let b) = event.event { input += b; sequence += b }
        }
        #expect(output.count == sums.out)
        #expect(input.count == sums.inp)
        #expect(sums.inp > 0)
        if shared {
            #expect(sequence == body(Array(try Data(contentsOf: URL(fileURLWithPath: io)))))
        } else {
            #expect(output == body(Array(try Data(contentsOf: URL(fileURLWithPath: out)))))
            #expect(input == body(Array(try Data(contentsOf: URL(fileURLWithPath: inp)))))
        }
        #expect(String(decoding: input, as: UTF8.self).contains("echo typed"))
        let lastTimed = events.last(where: { if case .exit = $0.event { false } else { true } })
        #expect(lastTimed?.timeMicros == sums.micros)
        #expect(events.last?.event == .exit(0))
        #expect(reader.metadata?.command == "bash --norc -i")
    }
}
