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
    /// Seals (with --sign-key, where it is the default).
    case v1_2 = "1.2"
    /// Columnar events: smaller, the default without --sign-key.
    case v1_1 = "1.1"
    /// Interleaved events, for readers that only know 1.0.
    case v1_0 = "1.0"
}

/// `--compression`, `--level`, `--format-version` and the sealing options, wherever files are written.
struct CompressionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Chunk compression.", valueName: "codec"))
    var compression: CodecName = .zstd

    @Option(help: ArgumentHelp("Compression level (zstd 1-19, default 3; zlib 0-9, default 6).", valueName: "n"))
    var level: Int?

    @Option(name: .customLong("format-version"), help: ArgumentHelp("Format version to write: 1.2 adds seals (the default with --sign-key); 1.1 has columnar events and is smaller (the default otherwise); 1.0 is for readers that only know 1.0.", valueName: "version"))
    var formatVersion: WrittenFormatVersion?

    @Option(name: .customLong("sign-key"), help: ArgumentHelp("Seal the recording with this private key file (psrec key generate), every --seal-interval and at the end.", valueName: "file"))
    var signKey: String?

    @Option(name: .customLong("seal-interval"), help: ArgumentHelp("With --sign-key: seconds of session time between seals (default 60).", valueName: "seconds"))
    var sealInterval: Double?

    var codec: Codec { compression.codec }

    func validate() throws {
        if let level, !codec.levels.contains(level) {
            throw ValidationError("--level \(level) is not valid for \(codec); use \(codec.levels.lowerBound)-\(codec.levels.upperBound).")
        }
        if let formatVersion, signKey != nil, formatVersion != .v1_2 {
            throw ValidationError("--sign-key writes format 1.2 (seals are a 1.2 chunk); --format-version \(formatVersion.rawValue) cannot be sealed.")
        }
        if formatVersion == .v1_2 && signKey == nil {
            throw ValidationError("--format-version 1.2 is what seals add: give --sign-key as well, or write 1.1.")
        }
        if let sealInterval {
            guard signKey != nil else { throw ValidationError("--seal-interval applies to sealed recordings; give --sign-key as well.") }
            guard sealInterval >= 0.001, sealInterval <= 86_400 else { throw ValidationError("--seal-interval takes 0.001 to 86400 seconds.") }
        }
    }

    /// The writer's options; reads the --sign-key file.
    /// - Throws: `FormatError` (`.io`), as the writer's own errors, when the key file cannot be
    ///   read or is open to others.
    func writerOptions() throws(FormatError) -> WriterOptions {
        var options = WriterOptions(codec: codec, level: level)
        options.eventLayout = formatVersion == .v1_0 ? .interleaved : .columnar
        if let signKey {
            do {
                options.sealingKey = try SealKeyFiles.sealingKey(signKey)
            } catch {
                throw FormatError(.io, (error as? CommandFailure)?.message ?? "\(error)")
            }
            if let sealInterval { options.sealIntervalMicros = Int64((sealInterval * 1_000_000).rounded()) }
        }
        return options
    }
}
