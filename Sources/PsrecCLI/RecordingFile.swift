import ArgumentParser
import PsrecFormat

/// Opening recordings for commands, with errors phrased for people.
enum RecordingFile {
    /// Opens `path`, or fails with a sentence naming the file.
    static func open(_ path: String, scan: Bool = false) throws -> RecordingReader {
        do {
            return try RecordingReader(path: path, scan: scan)
        } catch {
            let shown = TerminalSafe.escape(path)
            switch error.code {
            case .io:
                throw CommandFailure(TerminalSafe.escape(error.message))
            case .badSignature:
                throw CommandFailure("\(shown) is not a psrec file (it does not start with the psrec signature).")
            default:
                throw CommandFailure("\(shown) cannot be read: \(FailureTable.clause(TerminalSafe.escape(error.description))).")
            }
        }
    }

    /// A one-line note about a non-complete file for stderr, or nil when complete.
    static func note(_ reader: RecordingReader, path: String) -> String? {
        let shown = TerminalSafe.escape(path)
        switch reader.status {
        case .complete:
            return nil
        case .truncated:
            let t = reader.truncation
            return "\(shown) is truncated (no trailer): it plays to \(TimeFormat.clock(reader.endMicros)); the last complete chunk ends at byte \(t?.lastGoodOffset ?? reader.source.size)."
        case .corrupt:
            let first = reader.damage[0]
            return "\(shown) is corrupt: \(reader.damage.count) problem(s), the first at byte \(first.offset): \(TerminalSafe.escape(FailureTable.clause(first.error.message))); the corrupt parts were skipped."
        }
    }
}

/// `--from` / `--to` time bounds.
struct TimeRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start at this session time (seconds: 90 or 1.5; 1:30; 2m, 500ms).", valueName: "time"), transform: SessionTime.parse)
    var from: SessionTime?

    @Option(help: ArgumentHelp("Stop after this session time.", valueName: "time"), transform: SessionTime.parse)
    var to: SessionTime?

    var fromMicros: Int64 { from?.micros ?? 0 }
    var toMicros: Int64 { to?.micros ?? .max }

    func validate() throws {
        if fromMicros > toMicros { throw ValidationError("--from is after --to.") }
    }
}

/// A codec by the name the command line gives it. `Codec`'s raw values are the format's
/// numbers, which ArgumentParser would show as the default; this names them.
enum CodecName: String, CaseIterable, ExpressibleByArgument {
    case zstd, zlib, none

    var codec: Codec {
        switch self {
        case .zstd: .zstd
        case .zlib: .zlib
        case .none: .none
        }
    }
}

/// The format versions psrec writes, by the name `--format-version` takes.
enum WrittenFormatVersion: String, CaseIterable, ExpressibleByArgument {
    /// Columnar events: smaller, the default.
    case v1_1 = "1.1"
    /// Interleaved events, for readers that only know 1.0.
    case v1_0 = "1.0"
}

/// `--compression` and `--level`, wherever files are written.
struct CompressionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Chunk compression.", valueName: "codec"))
    var compression: CodecName = .zstd

    @Option(help: ArgumentHelp("Compression level (zstd 1-19, default 3; zlib 0-9, default 6).", valueName: "n"))
    var level: Int?

    @Option(name: .customLong("format-version"), help: ArgumentHelp("Format version to write: 1.1 has columnar events and is smaller; 1.0 is for readers that only know 1.0.", valueName: "version"))
    var formatVersion: WrittenFormatVersion = .v1_1

    var codec: Codec { compression.codec }

    func validate() throws {
        if let level, !codec.levels.contains(level) {
            throw ValidationError("--level \(level) is not valid for \(codec); use \(codec.levels.lowerBound)-\(codec.levels.upperBound).")
        }
    }

    var writerOptions: WriterOptions {
        var options = WriterOptions(codec: codec, level: level)
        options.eventLayout = switch formatVersion {
        case .v1_0: .interleaved
        case .v1_1: .columnar
        }
        return options
    }
}
