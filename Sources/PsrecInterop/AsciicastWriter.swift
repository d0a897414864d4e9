internal import PsrecFormat

/// Writes asciicast v2 or v3 lines for `Exporter`.
struct AsciicastWriter {
    let version: Int
    let out: BlockWriter
    private var outputText = UTF8Text()
    private var inputText = UTF8Text()
    private var previousMicros: Int64 = 0
    private var line: [UInt8] = []

    init(version: Int, out: BlockWriter) {
        self.version = version
        self.out = out
    }

    mutating func write(_ reader: RecordingReader) throws(ExportError) -> ExportReport {
        var report = ExportReport(format: version == 3 ? .asciicastV3 : .asciicastV2)
        let metadata = reader.metadata
        try out.append(header(metadata, report: &report))
        var leftOut: [String: Int] = [:]
        var lastMicros: Int64 = 0
        for timed in reader.events() {
            lastMicros = timed.timeMicros
            switch timed.event {
            case .output(let bytes):
                var text: [UInt8] = []
                outputText.decode(bytes, into: &text)
                if !text.isEmpty { try event(timed.timeMicros, "o", text, report: &report) }
            case .input(let bytes):
                var text: [UInt8] = []
                inputText.decode(bytes, into: &text)
                if !text.isEmpty { try event(timed.timeMicros, "i", text, report: &report) }
            case .resize(let cols, let rows):
                try event(timed.timeMicros, "r", Array("\(cols)x\(rows)".utf8), report: &report)
            case .marker(let label):
                try event(timed.timeMicros, "m", Array(label.utf8), report: &report)
            case .exit(let status) where version == 3:
                try event(timed.timeMicros, "x", Array(String(status).utf8), report: &report)
            case .exit: leftOut["exit status (asciicast v2 has no exit event)", default: 0] += 1
            case .command: leftOut["keyboard-command indicator", default: 0] += 1
            case .click: leftOut["click indicator", default: 0] += 1
            case .redactedInput: leftOut["redaction", default: 0] += 1
            case .gap: leftOut["gap", default: 0] += 1
            case .screenKeyframe, .screenDelta, .pointerMove, .key: leftOut["desktop event", default: 0] += 1
            case .unknown: leftOut["event of an unknown type", default: 0] += 1
            }
        }
        var rest: [UInt8] = []
        outputText.finish(into: &rest)
        if !rest.isEmpty { try event(lastMicros, "o", rest, report: &report) }
        rest = []
        inputText.finish(into: &rest)
        if !rest.isEmpty { try event(lastMicros, "i", rest, report: &report) }
        report.durationMicros = lastMicros
        report.replacedSequences = outputText.replaced + inputText.replaced
        if report.replacedSequences > 0 {
            report.warnings.append("\(report.replacedSequences) byte sequence(s) of output or input were not UTF-8, which asciicast cannot hold; each was replaced by U+FFFD")
        }
        for (kind, count) in leftOut.sorted(by: { $0.key < $1.key }) {
            report.leftOutEvents += count
            report.warnings.append("\(count) \(kind)\(count == 1 ? "" : "s") left out: asciicast v\(version) has no place for \(count == 1 ? "it" : "them")")
        }
        return report
    }

    private func header(_ metadata: RecordingMetadata?, report: inout ExportReport) -> [UInt8] {
        var cols = metadata?.terminal?.cols ?? 0, rows = metadata?.terminal?.rows ?? 0
        if cols <= 0 || rows <= 0 {
            cols = 80
            rows = 24
            report.warnings.append("the recording gives no terminal size; the header says 80x24")
        }
        var h: [UInt8] = []
        func key(_ name: String) { h += Array(", \"\(name)\": ".utf8) }
        h += Array("{\"version\": \(version)".utf8)
        var env: [(String, String)] = []
        if let type = metadata?.terminal?.type { env.append(("TERM", type)) }
        if let shell = metadata?.extra["shell"] ?? metadata?.extra["env.SHELL"] { env.append(("SHELL", shell)) }
        if version == 2 {
            h += Array(", \"width\": \(cols), \"height\": \(rows)".utf8)
        } else {
            h += Array(", \"term\": {\"cols\": \(cols), \"rows\": \(rows)".utf8)
            if let type = metadata?.terminal?.type {
                h += Array(", \"type\": ".utf8)
                Self.appendString(Array(type.utf8), to: &h)
            }
            h.append(UInt8(ascii: "}"))
            env.removeAll { $0.0 == "TERM" }
        }
        if let start = metadata?.startUnixMicros, start > 0 {
            key("timestamp")
            h += Array(String(start / 1_000_000).utf8)
        }
        if let command = metadata?.command {
            key("command")
            Self.appendString(Array(command.utf8), to: &h)
        }
        if let title = metadata?.title {
            key("title")
            Self.appendString(Array(title.utf8), to: &h)
        }
        if !env.isEmpty {
            key("env")
            h.append(UInt8(ascii: "{"))
            for (i, (name, value)) in env.enumerated() {
                if i > 0 { h += Array(", ".utf8) }
                Self.appendString(Array(name.utf8), to: &h)
                h += Array(": ".utf8)
                Self.appendString(Array(value.utf8), to: &h)
            }
            h.append(UInt8(ascii: "}"))
        }
        h += Array("}\n".utf8)
        return h
    }

    private mutating func event(_ micros: Int64, _ code: String, _ data: [UInt8], report: inout ExportReport) throws(ExportError) {
        let time = version == 3 ? micros - previousMicros : micros
        previousMicros = micros
        line.removeAll(keepingCapacity: true)
        line.append(UInt8(ascii: "["))
        line += Array(Self.seconds(time).utf8)
        line += Array(", \"\(code)\", ".utf8)
        Self.appendString(data, to: &line)
        line += Array("]\n".utf8)
        try out.append(line)
        report.events += 1
    }

    /// `S.ffffff` from microseconds, exactly.
    static func seconds(_ micros: Int64) -> String {
        let sign = micros < 0 ? "-" : ""
        let magnitude = micros.magnitude
        let fraction = String(magnitude % 1_000_000)
        return sign + String(magnitude / 1_000_000) + "." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    /// Appends valid UTF-8 `text` as a JSON string.
    static func appendString(_ text: [UInt8], to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text {
            switch byte {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20, 0x7F:
                out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Writes the `txt` transcript for `Exporter`: output drawn on a `TerminalScreen` of the
/// recorded size; lines that scroll off are written at once, the final main screen last.
struct TranscriptWriter {
    let out: BlockWriter

    func write(_ reader: RecordingReader) throws(ExportError) -> ExportReport {
        var report = ExportReport(format: .txt)
        var cols = reader.metadata?.terminal?.cols ?? 0, rows = reader.metadata?.terminal?.rows ?? 0
        if cols <= 0 || rows <= 0 {
            cols = 80
            rows = 24
            report.warnings.append("the recording gives no terminal size; the text was drawn on an 80x24 screen")
        }
        let screen = TerminalScreen(columns: cols, rows: rows)
        var blankLines = 0
        var failure: ExportError?
        func emit(_ line: String) {
            guard failure == nil else { return }
            if line.isEmpty { blankLines += 1; return }
            do throws(ExportError) {
                if blankLines > 0 { try out.append(Array(repeating: 0x0A, count: blankLines)) }
                blankLines = 0
                try out.append(line + "\n")
            } catch {
                failure = error
            }
        }
        screen.scrollbackHandler = emit
        var resizes = ResizeRun()
        for timed in reader.events() {
            report.durationMicros = timed.timeMicros
            switch timed.event {
            case .output(let bytes):
                resizes.apply(to: screen)
                screen.feed(bytes)
                report.events += 1
            case .resize(let c, let r) where c > 0 && r > 0:
                resizes.add(columns: c, rows: r)
            default:
                break
            }
            if let failure { throw failure }
        }
        resizes.apply(to: screen)
        screen.scrollbackHandler = nil
        for line in screen.mainLines { emit(line) }
        if let failure { throw failure }
        return report
    }
}
