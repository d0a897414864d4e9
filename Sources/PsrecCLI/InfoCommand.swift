import ArgumentParser
import Foundation
import PsrecFormat

/// `psrec info FILE [--json]`.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show a recording's metadata, duration, counts, sizes and status.",
        discussion: "Exit status: 0 complete, 1 truncated, 2 corrupt, 3 not a psrec file or unreadable, 64 usage error.")

    @OptionGroup var input: RecordingLocator

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        try reporting {
            let (reader, name) = try input.open()
            let summary = RecordingSummary(reader: reader)
            let out = OutputBuffer()
            out.append(json ? summary.json(path: name) + "\n" : summary.text(path: name))
            out.flush()
            return ExitStatus.of(reader.status)
        }
    }
}

/// What `info` reports, gathered by reading every EVENTS chunk once.
struct RecordingSummary {
    let reader: RecordingReader
    var eventCounts: [String: Int] = [:]
    var storedBytes: Int64 = 0
    var decodedBytes: Int64 = 0
    var codecs: Set<String> = []
    var outputBytes: Int64 = 0

    init(reader: RecordingReader) {
        self.reader = reader
        for entry in reader.entries {
            guard let chunk = try? reader.readHeader(at: entry.offset) else { continue }
            storedBytes += Int64(chunk.storedLength)
            decodedBytes += Int64(chunk.decodedLength)
            codecs.insert(chunk.codec.description)
        }
        var counts: [UInt8: Int] = [:]
        var output: Int64 = 0
        try? reader.forEachEvent { event in
            counts[event.type.rawValue, default: 0] += 1
            if event.type == .output { output += Int64(event.body.count) }
        }
        outputBytes = output
        for (type, count) in counts { eventCounts[EventType(rawValue: type).name] = count }
    }

    var indicatorCounts: [String: Int] {
        Dictionary(grouping: reader.indicators, by: \.kind.name).mapValues(\.count)
    }

    var ratio: Double { storedBytes > 0 ? Double(decodedBytes) / Double(storedBytes) : 1 }

    static func list(_ counts: [String: Int]) -> String {
        counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
    }

    func text(path: String) -> String {
        var rows: [(String, String)] = [("File", TerminalSafe.escape(path))]
        var status = reader.status.rawValue
        if let note = RecordingFile.note(reader, path: path) { status += " — " + note }
        rows.append(("Status", status))
        rows.append(("Format", "psrec \(reader.header.major).\(reader.header.minor)"))
        if let m = reader.metadata {
            rows.append(("Recording", m.recordingID.uuidString.lowercased()))
            rows.append(("Protocol", TerminalSafe.escape(m.sessionProtocol.rawValue)))
            let optional: [(String, String?)] = [
                ("User", m.user), ("Application", m.application), ("Host", m.host),
                ("Remote address", m.remoteAddress), ("Command", m.command), ("Title", m.title),
                ("Owner", m.owner),
            ]
            for (label, value) in optional { if let value { rows.append((label, TerminalSafe.escape(value))) } }
            if !m.auditors.isEmpty { rows.append(("Auditors", m.auditors.map(TerminalSafe.escape).joined(separator: ", "))) }
            rows.append(("Started", TimeFormat.iso(unixMicros: m.startUnixMicros)))
            if let t = m.terminal { rows.append(("Terminal", "\(t.cols)x\(t.rows)" + (t.type.map { " " + TerminalSafe.escape($0) } ?? ""))) }
            if let s = m.screen { rows.append(("Screen", "\(s.width)x\(s.height)")) }
            if let tool = m.captureTool { rows.append(("Capture tool", TerminalSafe.escape(tool + (m.captureToolVersion.map { " " + $0 } ?? "")))) }
            // What the metadata claims; `psrec verify` says whether the seals hold.
            if let fingerprint = m.sealKeyFingerprint {
                rows.append(("Sealed by", TerminalSafe.escape("\(m.sealKeyID ?? "?") (key \(SealPublicKey.short(fingerprint))); psrec verify checks the seals")))
            }
            for key in m.extra.keys.sorted() { rows.append(("Extra", TerminalSafe.escape(key) + "=" + TerminalSafe.escape(m.extra[key]!))) }
        } else {
            rows.append(("Metadata", "unreadable (corrupt metadata chunk)"))
        }
        rows.append(("Duration", TimeFormat.clock(reader.durationMicros)))
        rows.append(("Chunks", "\(reader.entries.count) event chunks" + (reader.openedByScan ? ", \(reader.scannedChunks) in all" : "")))
        let total = eventCounts.values.reduce(0, +)
        rows.append(("Events", "\(total)" + (total > 0 ? " (\(Self.list(eventCounts)))" : "")))
        rows.append(("Indicators", "\(reader.indicators.count)" + (reader.indicators.isEmpty ? "" : " (\(Self.list(indicatorCounts)))")))
        rows.append(("File size", "\(reader.source.size) bytes"))
        rows.append(("Event data", "\(decodedBytes) bytes decoded, \(storedBytes) stored (\(String(format2: ratio))x, \(codecs.sorted().joined(separator: ", ")))"))
        for d in reader.damage {
            rows.append(("Damage", "byte \(d.offset)" + (d.endOffset.map { "-\($0)" } ?? "") + ": " + TerminalSafe.escape(d.error.message)))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 + "\n" }.joined()
    }

    /// The metadata as JSON with every string terminal-safe (JSONEncoder leaves C1 controls raw).
    static func metadataJSON(_ m: RecordingMetadata) -> String {
        func str(_ s: String?) -> String { s.map(JSONText.string) ?? "null" }
        var f: [(String, String)] = [
            ("recording_id", str(m.recordingID.uuidString.lowercased())), ("protocol", str(m.sessionProtocol.rawValue)),
            ("start_unix_us", "\(m.startUnixMicros)"), ("start_time", str(TimeFormat.iso(unixMicros: m.startUnixMicros))),
            ("user", str(m.user)), ("application", str(m.application)), ("host", str(m.host)),
            ("remote_address", str(m.remoteAddress)), ("command", str(m.command)), ("title", str(m.title)),
        ]
        f.append(("terminal", m.terminal.map { "{\"cols\":\($0.cols),\"rows\":\($0.rows),\"type\":\(str($0.type))}" } ?? "null"))
        f.append(("screen", m.screen.map { "{\"width\":\($0.width),\"height\":\($0.height)}" } ?? "null"))
        f += [("capture_tool", str(m.captureTool)), ("capture_tool_version", str(m.captureToolVersion)), ("owner", str(m.owner))]
        f.append(("auditors", "[" + m.auditors.map(JSONText.string).joined(separator: ",") + "]"))
        f.append(("extra", "{" + m.extra.keys.sorted().map { JSONText.string($0) + ":" + JSONText.string(m.extra[$0]!) }.joined(separator: ",") + "}"))
        f += [("seal_key_id", str(m.sealKeyID)), ("seal_key_fingerprint", str(m.sealKeyFingerprint))]
        return "{" + f.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    func json(path: String) -> String {
        var fields: [(String, String)] = [("file", JSONText.string(path)), ("status", JSONText.string(reader.status.rawValue)),
                                          ("format_version", JSONText.string("\(reader.header.major).\(reader.header.minor)"))]
        if let m = reader.metadata {
            fields.append(("metadata", Self.metadataJSON(m)))
        } else {
            fields.append(("metadata", "null"))
        }
        fields.append(("duration_us", "\(reader.durationMicros)"))
        fields.append(("plays_to_us", "\(reader.endMicros)"))
        fields.append(("event_chunks", "\(reader.entries.count)"))
        fields.append(("events", "{" + eventCounts.keys.sorted().map { "\(JSONText.string($0)):\(eventCounts[$0]!)" }.joined(separator: ",") + "}"))
        let ind = indicatorCounts
        fields.append(("indicators", "{" + ind.keys.sorted().map { "\(JSONText.string($0)):\(ind[$0]!)" }.joined(separator: ",") + "}"))
        fields.append(("file_bytes", "\(reader.source.size)"))
        fields.append(("decoded_bytes", "\(decodedBytes)"))
        fields.append(("stored_bytes", "\(storedBytes)"))
        fields.append(("output_bytes", "\(outputBytes)"))
        fields.append(("compression_ratio", String(format2: ratio)))
        fields.append(("codecs", "[" + codecs.sorted().map(JSONText.string).joined(separator: ",") + "]"))
        if let t = reader.truncation {
            fields.append(("truncation", "{\"last_good_offset\":\(t.lastGoodOffset),\"tail_bytes\":\(t.tailBytes),\"zero_filled\":\(t.zeroFilled)}"))
        }
        let damage = reader.damage.map { d in
            "{\"offset\":\(d.offset),\"end_offset\":\(d.endOffset.map(String.init) ?? "null"),\"kind\":\(JSONText.string(d.error.code.rawValue)),\"message\":\(JSONText.string(d.error.message))}"
        }
        fields.append(("damage", "[" + damage.joined(separator: ",") + "]"))
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

extension String {
    /// A non-negative number with two decimals, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let hundredths = Int64((value * 100).rounded())
        let frac = hundredths % 100
        self = "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
