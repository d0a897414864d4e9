internal import PsrecFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Imports a sudo 1.9 I/O log directory (`sudoers` `log_output`/`log_input`, or
/// `sudo_logsrvd`): metadata from `log.json` (or the legacy `log`), events from `timing`,
/// bytes from the stream files. Any file may be gzip-compressed (`compress_io`, the default).
///
/// ```
/// session/
///   log.json   {"timestamp":{"seconds":…,"nanoseconds":…},"submituser":…,"runuser":…,
///               "submithost":…,"command":…,"runargv":[…],"submitcwd":…,"lines":…,"columns":…}
///   log        TIME:USER:RUNAS_USER:RUNAS_GROUP:TTY[:LINES:COLS] \n CWD \n COMMAND   (legacy)
///   timing     TYPE DELAY BYTES      0 stdin, 1 stdout, 2 stderr, 3 ttyin, 4 ttyout
///              5 DELAY ROWS COLS     window change
///              6 DELAY SIGNAME       suspend / resume
///   ttyout ttyin stdout stdin stderr
/// ```
/// Delays are seconds since the previous line with nine decimals; they are summed in
/// integer nanoseconds and each event's time is rounded to the microsecond, so no error
/// accumulates. Output (`ttyout`, `stdout`, `stderr`) becomes output events and `ttyin`,
/// `stdin` input events, in the order of the timing file.
/// <https://www.sudo.ws/docs/man/sudoers.man/#I/O_LOG_FILES>
struct SudoIOLogImporter {
    static let streamFiles = ["stdin", "stdout", "stderr", "ttyin", "ttyout"]
    /// Largest `log.json` or `log` read.
    static let maxLogBytes = 1 << 20
    private static let readBlock = 1 << 20

    let context: ImportContext
    let directory: String

    /// True when `path` is a directory holding `timing` and `log.json` or `log`.
    static func looksLikeIOLog(_ path: String) -> Bool {
        isRegularFile(path + "/timing") && (isRegularFile(path + "/log.json") || isRegularFile(path + "/log"))
    }

    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Opens a file of the log, inflating it when it starts with the gzip magic.
    static func open(_ path: String) throws(ConversionError) -> any ConversionInput {
        let probe = try FileInput(path: path)
        var magic = [UInt8](repeating: 0, count: 2)
        let n = try magic.withUnsafeMutableBytes { raw in
            Result { () throws(ConversionError) in try probe.read(into: raw) }
        }.get()
        let file = try FileInput(path: path)
        if n == 2 && magic == GzipInput.magic { return try GzipInput(file) }
        return file
    }

    func run() throws(ConversionError) -> ConversionReport {
        var warnings: [String] = []
        let metadata = try readMetadata(warnings: &warnings)
        let timingPath = directory + "/timing"
        let timing = InputBuffer(input: try Self.open(timingPath), maxLineBytes: 1 << 16)
        let session = try ImportSession(format: .sudoIOLog, metadata: metadata, context: context, warnings: warnings)
        var streams: [Int: InputBuffer] = [:]
        var clockNanos: Int64 = 0
        var missing: Set<String> = []
        while let result = try timing.nextLine() {
            guard case .line(let line) = result else {
                if case .tooLong(let number, _) = result {
                    let reason = "the line is longer than 64 KiB"
                    guard context.options.lenient else { throw ConversionError(.malformedLine, file: timingPath, line: number, reason: reason) }
                    session.skip(reason: reason, at: .line(number))
                }
                continue
            }
            let tokens = ScriptImporter.tokens(timing.bytes[line.range])
            if tokens.isEmpty { continue }
            let location = InputLocation.line(line.number)
            func malformed(_ reason: String) throws(ConversionError) {
                if !line.terminated {
                    guard context.options.lenient else {
                        throw ConversionError(.truncatedLine, file: timingPath, line: line.number, reason: "the last line is cut short (\(reason)), as when sudo stops mid-write")
                    }
                    session.skipTorn("\(timingPath) line \(line.number), the last line, is cut short and was skipped")
                    return
                }
                guard context.options.lenient else { throw ConversionError(.malformedLine, file: timingPath, line: line.number, reason: reason) }
                session.skip(reason: reason, at: location)
            }
            guard tokens.count >= 2, let type = ScriptImporter.integer(tokens[0]), type <= 6,
                  let delay = tokens[1].withUnsafeBytes({ DecimalMicros.parseNanos($0) }), delay >= 0 else {
                try malformed("expected a line \"TYPE DELAY …\" with a type from 0 to 6 and a delay in seconds")
                continue
            }
            clockNanos = min(clockNanos, Int64.max / 2 - delay) + delay
            let micros = min((clockNanos + 500) / 1000, Limits.maxMicros)
            switch type {
            case 5:
                guard tokens.count == 4, let rows = ScriptImporter.integer(tokens[2]), let cols = ScriptImporter.integer(tokens[3]),
                      rows <= Int64(Limits.maxTerminalDimension), cols <= Int64(Limits.maxTerminalDimension) else {
                    try malformed("expected a window change \"5 DELAY ROWS COLS\"")
                    continue
                }
                try session.append(.resize(cols: Int(cols), rows: Int(rows)), atMicros: micros, at: location)
            case 6:
                session.ignore(code: "6 " + String(decoding: tokens.dropFirst(2).first ?? [], as: UTF8.self).prefix(14), at: location)
            default:
                guard tokens.count == 3, let count = ScriptImporter.integer(tokens[2]), count <= ScriptImporter.maxEntryBytes else {
                    try malformed("expected \"\(type) DELAY BYTES\" with a byte count")
                    continue
                }
                let name = Self.streamFiles[Int(type)]
                let buffer: InputBuffer
                if let open = streams[Int(type)] {
                    buffer = open
                } else if Self.isRegularFile(directory + "/" + name) {
                    buffer = InputBuffer(input: try Self.open(directory + "/" + name))
                    streams[Int(type)] = buffer
                } else {
                    missing.insert(name)
                    continue
                }
                let isInput = type == 0 || type == 3
                var remaining = count
                while remaining > 0 {
                    let offset = buffer.consumedOffset
                    let wanted = Int(min(remaining, Int64(Self.readBlock)))
                    let piece = try buffer.read(count: wanted)
                    if !piece.isEmpty {
                        try session.append(isInput ? .input(piece) : .output(piece), atMicros: micros, at: location)
                    }
                    remaining -= Int64(piece.count)
                    if piece.count < wanted {
                        let reason = "the file ends after \(offset + Int64(piece.count)) bytes but \(timingPath) line \(line.number) counts \(remaining) more"
                        guard context.options.lenient else { throw ConversionError(.truncatedData, file: directory + "/" + name, reason: reason) }
                        session.skipTorn("\(directory)/\(name) ends before the bytes \(timingPath) line \(line.number) counts; the rest of that stream was left out")
                        streams[Int(type)] = InputBuffer(input: MemoryInput([], name: name))
                        break
                    }
                }
            }
        }
        if !missing.isEmpty {
            session.warn("\(directory) has no \(missing.sorted().joined(separator: ", ")) file for entries its timing file lists; those entries were left out")
        }
        return try session.finish()
    }

    // MARK: - Metadata

    private func readMetadata(warnings: inout [String]) throws(ConversionError) -> RecordingMetadata {
        let jsonPath = directory + "/log.json"
        if Self.isRegularFile(jsonPath) {
            let buffer = InputBuffer(input: try Self.open(jsonPath))
            guard let bytes = try buffer.readAll(limit: Self.maxLogBytes) else {
                throw ConversionError(.malformedHeader, file: jsonPath, reason: "is larger than \(Self.maxLogBytes >> 20) MiB; this is not a sudo I/O log")
            }
            let value = bytes.withUnsafeBytes { raw -> JSONValue? in
                var scanner = JSONScanner(raw)
                guard let value = scanner.scanValue(), scanner.isAtEnd else { return nil }
                return value
            }
            guard let value, case .object = value else {
                throw ConversionError(.malformedHeader, file: jsonPath, reason: "is not a JSON object as sudo writes it")
            }
            return metadata(json: value, warnings: &warnings)
        }
        let logPath = directory + "/log"
        let buffer = InputBuffer(input: try Self.open(logPath), maxLineBytes: Self.maxLogBytes)
        var lines: [String] = []
        while lines.count < 3, let result = try buffer.nextLine() {
            guard case .line(let line) = result else { break }
            lines.append(String(decoding: buffer.bytes[line.range], as: UTF8.self))
        }
        let fields = lines.first.map { $0.split(separator: ":", omittingEmptySubsequences: false) } ?? []
        guard fields.count >= 5, let seconds = Int64(fields[0]) else {
            throw ConversionError(.malformedHeader, file: logPath, line: 1,
                                  reason: "expected \"TIME:USER:RUNAS_USER:RUNAS_GROUP:TTY\" as sudo writes it")
        }
        let start = ImportSession.startMicros(input: seconds.multipliedReportingOverflow(by: 1_000_000).partialValue, context: context, warnings: &warnings)
        var metadata = RecordingMetadata(startUnixMicros: start, user: String(fields[1]))
        metadata.extra["sudo.runas_user"] = String(fields[2])
        if !fields[3].isEmpty { metadata.extra["sudo.runas_group"] = String(fields[3]) }
        metadata.extra["sudo.tty"] = String(fields[4])
        if fields.count >= 7, let rows = Int(fields[5]), let cols = Int(fields[6]),
           (0...Limits.maxTerminalDimension).contains(rows), (0...Limits.maxTerminalDimension).contains(cols) {
            metadata.terminal = .init(cols: cols, rows: rows)
        }
        if lines.count >= 2 { metadata.extra["sudo.cwd"] = lines[1] }
        if lines.count >= 3 { metadata.command = lines[2] }
        return metadata
    }

    private func metadata(json: JSONValue, warnings: inout [String]) -> RecordingMetadata {
        var start: Int64?
        if let seconds = json["timestamp"]?["seconds"]?.numberText.flatMap({ Int64($0) }), seconds >= 0,
           seconds <= Limits.maxMicros / 1_000_000 {
            let nanos = json["timestamp"]?["nanoseconds"]?.numberText.flatMap { Int64($0) } ?? 0
            start = seconds * 1_000_000 + max(0, min(nanos, 999_999_999)) / 1000
        }
        var metadata = RecordingMetadata(startUnixMicros: ImportSession.startMicros(input: start, context: context, warnings: &warnings))
        metadata.user = json["submituser"]?.stringValue
        metadata.host = json["submithost"]?.stringValue
        if case .array(let argv)? = json["runargv"], !argv.isEmpty {
            metadata.command = argv.compactMap(\.stringValue).joined(separator: " ")
        } else {
            metadata.command = json["command"]?.stringValue
        }
        var term: String?
        if case .array(let env)? = json["runenv"] {
            term = env.compactMap(\.stringValue).first { $0.hasPrefix("TERM=") }.map { String($0.dropFirst(5)) }
        }
        if let rows = json["lines"]?.numberText.flatMap({ Int($0) }), let cols = json["columns"]?.numberText.flatMap({ Int($0) }),
           (0...Limits.maxTerminalDimension).contains(rows), (0...Limits.maxTerminalDimension).contains(cols) {
            metadata.terminal = .init(cols: cols, rows: rows, type: term)
        }
        let extras: [(String, String)] = [("runuser", "sudo.runas_user"), ("rungroup", "sudo.runas_group"), ("ttyname", "sudo.tty"),
                                          ("submitcwd", "sudo.cwd"), ("runcwd", "sudo.runcwd"), ("command", "sudo.command"),
                                          ("runchroot", "sudo.runchroot"), ("uuid", "sudo.uuid")]
        for (key, name) in extras {
            if let text = json[key]?.scalarText { metadata.extra[name] = text }
        }
        return metadata
    }
}
