internal import PsrecFormat

/// Imports util-linux `script` recordings: a timing file and the data file(s) it counts.
///
/// Classic (`script -t 2>TIMING TYPESCRIPT`, `--timing=TIMING`): one line per write of
/// output, `DELAY BYTES`. Advanced (`--log-timing TIMING` with `--log-io`, `--log-out`,
/// `--log-in`): one line per event,
///
/// ```
/// H 0.000000 START_TIME 2024-05-01 10:00:00+02:00     header: name and value, no time
/// O 0.010163 4                                        output: delay, byte count
/// I 0.511389 8                                        input: delay, byte count
/// S 0.301306 SIGWINCH ROWS=40 COLS=120                signal (resize)
/// H 0.000000 EXIT_CODE 0
/// ```
/// Delays are seconds since the previous O, I or S line, written `%ld.%06ld`, so summing
/// them in integer microseconds gives script's times exactly. With `--log-io` output and
/// input bytes sit in one file in the order the timing lines give. Data files are read in
/// blocks; memory stays bounded.
struct ScriptImporter {
    /// Largest byte count one timing line may give: script logs one read (a few KiB).
    static let maxEntryBytes: Int64 = 1 << 30
    private static let readBlock = 1 << 20

    let context: ImportContext
    let timing: InputBuffer
    let outputLog: ScriptLog?
    /// The input log; the same object as `outputLog` for `--log-io`.
    let inputLog: ScriptLog?

    private var timingName: String { timing.input.name }

    func run() throws(ConversionError) -> ConversionReport {
        try outputLog?.readHeader()
        if let inputLog, inputLog !== outputLog { try inputLog.readHeader() }

        // Header lines come first in an advanced timing file; the first other line is
        // processed once the recording has started.
        var headers: [String: String] = [:]
        var firstLine: InputBuffer.Line?
        var advanced = false
        var tooLong: Int?
        while let result = try timing.nextLine() {
            guard case .line(let line) = result else {
                if case .tooLong(let number, _) = result { tooLong = number }
                break
            }
            let tokens = Self.tokens(timing.bytes[line.range])
            if tokens.isEmpty { continue }
            if tokens[0].count == 1, let kind = tokens[0].first, "HOIS".utf8.contains(kind) {
                advanced = true
                if kind == UInt8(ascii: "H"), tokens.count >= 3 {
                    headers[String(decoding: tokens[2], as: UTF8.self)] = Self.rest(timing.bytes[line.range], after: 3)
                    continue
                }
            }
            firstLine = line
            break
        }
        if let tooLong {
            throw ConversionError(.malformedLine, file: timingName, line: tooLong, reason: "the line is longer than \(timing.maxLineBytes >> 20) MiB; this is not a script timing file")
        }
        var warnings: [String] = []
        let format: InputFormat = advanced ? .scriptAdvanced : .script
        let metadata = makeMetadata(headers: headers, warnings: &warnings)
        let session = try ImportSession(format: format, metadata: metadata, context: context, warnings: warnings)
        var state = State()
        if let firstLine { try process(firstLine, advanced: advanced, session: session, state: &state) }
        while let result = try timing.nextLine() {
            switch result {
            case .tooLong(let number, _):
                let reason = "the line is longer than \(timing.maxLineBytes >> 20) MiB"
                guard context.options.lenient else { throw ConversionError(.malformedLine, file: timingName, line: number, reason: reason) }
                session.skip(reason: reason, at: .line(number))
            case .line(let line):
                try process(line, advanced: advanced, session: session, state: &state)
            }
            if state.stopped { break }
        }
        try finish(session: session, state: &state, headers: headers)
        return try session.finish()
    }

    private struct State {
        var clock: Int64 = 0
        var lastLine = 0
        var stopped = false
        var duration: Int64?
        var exitStatus: Int64?
        var missingInput = 0
        var missingOutput = 0
    }

    private func makeMetadata(headers: [String: String], warnings: inout [String]) -> RecordingMetadata {
        let logHeader = outputLog?.header ?? inputLog?.header
        let start = headers["START_TIME"].flatMap { CivilTime.parseISO(Substring($0)) } ?? logHeader?.startUnixMicros
        var metadata = RecordingMetadata(startUnixMicros: ImportSession.startMicros(input: start, context: context, warnings: &warnings))
        let columns = headers["COLUMNS"].flatMap { Int($0) } ?? logHeader?.columns
        let lines = headers["LINES"].flatMap { Int($0) } ?? logHeader?.lines
        let term = headers["TERM"] ?? logHeader?.term
        if let columns, let lines, (1...Limits.maxTerminalDimension).contains(columns), (1...Limits.maxTerminalDimension).contains(lines) {
            metadata.terminal = .init(cols: columns, rows: lines, type: term)
        }
        metadata.command = headers["COMMAND"] ?? logHeader?.command
        if let shell = headers["SHELL"] { metadata.extra["shell"] = shell }
        if let tty = headers["TTY"] ?? logHeader?.tty { metadata.extra["tty"] = tty }
        return metadata
    }

    private func process(_ line: InputBuffer.Line, advanced: Bool, session: ImportSession, state: inout State) throws(ConversionError) {
        let lineBytes = timing.bytes[line.range]
        let tokens = Self.tokens(lineBytes)
        guard !tokens.isEmpty else { return }
        state.lastLine = line.number
        let location = InputLocation.line(line.number)
        func malformed(_ reason: String) throws(ConversionError) {
            if !line.terminated {
                guard context.options.lenient else {
                    throw ConversionError(.truncatedLine, file: timingName, line: line.number, reason: "the last line is cut short (\(reason)), as when the recorder stops mid-write")
                }
                session.skipTorn("\(timingName) line \(line.number), the last line, is cut short and was skipped")
                return
            }
            guard context.options.lenient else { throw ConversionError(.malformedLine, file: timingName, line: line.number, reason: reason) }
            session.skip(reason: reason, at: location)
        }
        let kind: UInt8
        let fields: ArraySlice<ArraySlice<UInt8>>
        if advanced {
            guard tokens[0].count == 1, let k = tokens[0].first, "HOIS".utf8.contains(k) else {
                return try malformed("expected a line \"O|I|S|H DELAY …\"")
            }
            kind = k
            fields = tokens.dropFirst()
        } else {
            kind = UInt8(ascii: "O")
            fields = tokens[...]
        }
        guard let delayText = fields.first, var delay = Self.micros(delayText) else {
            return try malformed(advanced ? "expected a delay in seconds after the event type" : "expected a line \"DELAY BYTES\"")
        }
        if kind == UInt8(ascii: "H") {
            // Header lines carry no time; DURATION and EXIT_CODE come at the end.
            guard fields.count >= 2 else { return try malformed("expected a header line \"H DELAY NAME VALUE\"") }
            let value = Self.rest(lineBytes, after: 3)
            switch String(decoding: fields[fields.startIndex + 1], as: UTF8.self) {
            case "DURATION": state.duration = value.flatMap { DecimalMicros.parse($0) }
            case "EXIT_CODE": state.exitStatus = value.flatMap { Int64($0) }
            default: break
            }
            return
        }
        if delay < 0 {
            session.noteClamped(at: location)
            delay = 0
        }
        if kind == UInt8(ascii: "S") {
            guard fields.count >= 2 else { return try malformed("expected a signal line \"S DELAY SIGNAME …\"") }
            state.clock = min(state.clock + delay, Limits.maxMicros)
            let name = String(decoding: fields[fields.startIndex + 1], as: UTF8.self)
            if name == "SIGWINCH", let size = Self.windowSize(fields.dropFirst(2)) {
                try session.append(.resize(cols: size.cols, rows: size.rows), atMicros: state.clock, at: location)
            } else {
                session.ignore(code: String(name.prefix(16)), at: location)
            }
            return
        }
        guard fields.count == 2, let count = Self.integer(fields[fields.startIndex + 1]), count <= Self.maxEntryBytes else {
            return try malformed(advanced ? "expected \"\(Character(Unicode.Scalar(kind))) DELAY BYTES\" with a byte count" : "expected a line \"DELAY BYTES\"")
        }
        state.clock = min(state.clock + delay, Limits.maxMicros)
        let isInput = kind == UInt8(ascii: "I")
        guard let log = isInput ? inputLog : outputLog else {
            if isInput { state.missingInput += 1 } else { state.missingOutput += 1 }
            return
        }
        var remaining = count
        while remaining > 0 {
            let offset = log.buffer.consumedOffset
            let wanted = Int(min(remaining, Int64(Self.readBlock)))
            let piece = try log.buffer.read(count: wanted)
            if !piece.isEmpty {
                try session.append(isInput ? .input(piece) : .output(piece), atMicros: state.clock, at: location)
            }
            remaining -= Int64(piece.count)
            if piece.count < wanted {
                let reason = "the file ends at byte \(offset + Int64(piece.count)) but \(timingName) line \(line.number) counts \(remaining) more bytes"
                guard context.options.lenient else { throw ConversionError(.truncatedData, file: log.name, offset: offset, reason: reason) }
                session.skipTorn("\(log.name) ends before the bytes \(timingName) line \(line.number) counts; the rest of the timing file was left out")
                state.stopped = true
                return
            }
        }
    }

    private func finish(session: ImportSession, state: inout State, headers: [String: String]) throws(ConversionError) {
        let location = InputLocation.line(state.lastLine)
        var footerExit: Int64?
        if let outputLog {
            let tail = try outputLog.readTail { (bytes) throws(ConversionError) in
                try session.append(.output(bytes), atMicros: state.clock, at: location)
            }
            if tail.untimedBytes > 0 {
                session.warn("\(outputLog.name) holds \(tail.untimedBytes) bytes after the last one \(timingName) counts (as when script is killed); they were added at the end")
            }
            footerExit = tail.exitStatus
        }
        if let inputLog, inputLog !== outputLog {
            let tail = try inputLog.readTail { (bytes) throws(ConversionError) in
                try session.append(.input(bytes), atMicros: state.clock, at: location)
            }
            if tail.untimedBytes > 0 {
                session.warn("\(inputLog.name) holds \(tail.untimedBytes) bytes after the last one \(timingName) counts; they were added at the end")
            }
        }
        if state.missingInput > 0 {
            session.warn("\(state.missingInput) input entr\(state.missingInput == 1 ? "y" : "ies") of \(timingName) were left out: the input log was not given")
        }
        if state.missingOutput > 0 {
            session.warn("\(state.missingOutput) output entr\(state.missingOutput == 1 ? "y" : "ies") of \(timingName) were left out: the output log was not given")
        }
        if let status = state.exitStatus ?? footerExit {
            let end = max(state.clock, min(state.duration ?? 0, Limits.maxMicros))
            try session.append(.exit(status), atMicros: end, at: location)
        }
    }

    // MARK: - Tokens

    /// The space-separated fields of a line.
    static func tokens(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(separator: 0x20, omittingEmptySubsequences: true)
    }

    /// The text after the first `count` fields (a header value may hold spaces).
    static func rest(_ line: ArraySlice<UInt8>, after count: Int) -> String? {
        var i = line.startIndex, fields = 0
        while i < line.endIndex && fields < count {
            while i < line.endIndex && line[i] == 0x20 { i += 1 }
            while i < line.endIndex && line[i] != 0x20 { i += 1 }
            fields += 1
        }
        guard i < line.endIndex else { return nil }
        return String(decoding: line[(i + 1)...], as: UTF8.self)
    }

    static func micros(_ text: ArraySlice<UInt8>) -> Int64? {
        text.withUnsafeBytes { DecimalMicros.parse($0) }
    }

    static func integer(_ text: ArraySlice<UInt8>) -> Int64? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return text.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }

    /// `ROWS=40 COLS=120` from a SIGWINCH line.
    static func windowSize(_ fields: ArraySlice<ArraySlice<UInt8>>) -> (cols: Int, rows: Int)? {
        var cols: Int?, rows: Int?
        for field in fields {
            let text = String(decoding: field, as: UTF8.self)
            if text.hasPrefix("ROWS=") { rows = Int(text.dropFirst(5)) }
            if text.hasPrefix("COLS=") { cols = Int(text.dropFirst(5)) }
        }
        guard let cols, let rows, (0...Limits.maxTerminalDimension).contains(cols), (0...Limits.maxTerminalDimension).contains(rows) else { return nil }
        return (cols, rows)
    }
}
