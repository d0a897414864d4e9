internal import Foundation
internal import PsrecFormat

/// Maps an asciicast header (the v2/v3 first line, or the v1 document's members) to psrec
/// metadata.
///
/// | asciicast | psrec metadata |
/// |---|---|
/// | `width`/`height` (v1, v2), `term.cols`/`term.rows` (v3) | `terminal.cols`/`rows` |
/// | `term.type` (v3), else `env.TERM` | `terminal.type` |
/// | `timestamp` (seconds) | `start_unix_us` |
/// | `title`, `command` | `title`, `command` |
/// | other `env` entries | `extra["env.NAME"]` |
/// | `idle_time_limit`, `duration`, `tags`, `term.version` | `extra["asciicast.…"]` |
struct AsciicastHeader {
    let members: JSONValue
    let format: InputFormat

    /// The `version` member as a whole number.
    var version: Int64? { members["version"]?.numberText.flatMap(DecimalMicros.integer) }

    /// The start time from `timestamp`, when present and in range.
    var timestampMicros: Int64? {
        guard let text = members["timestamp"]?.numberText, let micros = DecimalMicros.parse(text), micros >= 0 else { return nil }
        return micros
    }

    /// Builds the metadata; `warnings` gets a sentence for each value that was dropped.
    func metadata(context: ImportContext, warnings: inout [String]) -> RecordingMetadata {
        let env = members["env"]
        var cols: JSONValue?, rows: JSONValue?, type = env?["TERM"]?.stringValue
        var extra: [String: String] = [:]
        if format == .asciicastV3 {
            let term = members["term"]
            cols = term?["cols"]
            rows = term?["rows"]
            type = term?["type"]?.stringValue ?? type
            if let version = term?["version"]?.scalarText { extra["asciicast.term_version"] = version }
        } else {
            cols = members["width"]
            rows = members["height"]
        }
        var terminal: RecordingMetadata.Terminal?
        if let c = cols?.numberText.flatMap(DecimalMicros.integer), let r = rows?.numberText.flatMap(DecimalMicros.integer),
           (0...Int64(Limits.maxTerminalDimension)).contains(c), (0...Int64(Limits.maxTerminalDimension)).contains(r) {
            terminal = RecordingMetadata.Terminal(cols: Int(c), rows: Int(r), type: type)
        } else {
            if cols != nil || rows != nil {
                warnings.append("\(context.inputName) has a terminal size psrec cannot use; the recording has none")
            }
            if let type { terminal = RecordingMetadata.Terminal(cols: 0, rows: 0, type: type) }
        }
        if case .object(let variables)? = env {
            for (name, value) in variables where name != "TERM" {
                if let text = value.scalarText { extra["env." + name] = text }
            }
        }
        for key in ["idle_time_limit", "duration"] {
            if let text = members[key]?.scalarText { extra["asciicast." + key] = text }
        }
        if case .array(let tags)? = members["tags"] {
            extra["asciicast.tags"] = tags.compactMap(\.scalarText).joined(separator: ",")
        }
        let start = ImportSession.startMicros(input: timestampMicros, context: context, warnings: &warnings)
        return RecordingMetadata(startUnixMicros: start, command: members["command"]?.stringValue,
                                 title: members["title"]?.stringValue, terminal: terminal, extra: extra)
    }
}
