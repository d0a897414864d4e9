public import PsrecFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a psrec recording as asciicast v2 or v3, or as the text a person would read.
///
/// ```swift
/// let report = try Exporter.export(inputPath: "s.psrec", outputPath: "s.cast", format: .asciicastV2)
/// ```
/// | psrec event | asciicast v2 | asciicast v3 |
/// |---|---|---|
/// | output | `"o"` | `"o"` |
/// | input | `"i"` | `"i"` |
/// | resize | `"r"` `"COLSxROWS"` | `"r"` |
/// | marker | `"m"` label | `"m"` |
/// | exit | left out | `"x"` status |
/// | others (command, click, redaction, gap, screen) | left out | left out |
///
/// Times are written from integer microseconds with six decimals: v2's absolute times
/// and v3's intervals add up to the recording's times exactly. asciicast holds text, so
/// output and input must be UTF-8: a character split between two events is joined, and
/// bytes that are not UTF-8 become U+FFFD (counted in the report, with a warning); for
/// UTF-8 output `asciinema cat` prints exactly the bytes `psrec cat` prints.
///
/// The recording is read one chunk at a time and written in 64 KiB blocks; `txt` streams
/// lines as they scroll off the screen, so memory stays bounded.
public enum Exporter {
    /// Exports the recording at `inputPath` to a new file at `outputPath`, written next to
    /// it under a temporary name and renamed into place when complete.
    ///
    /// - Parameter overwrite: replace `outputPath` if it exists; otherwise that is an error.
    /// - Throws: `ExportError` naming the file; nothing is left at `outputPath` then.
    public static func export(inputPath: String, outputPath: String, format: ExportFormat,
                              overwrite: Bool = false) throws(ExportError) -> ExportReport {
        let reader: RecordingReader
        do {
            reader = try RecordingReader(path: inputPath)
        } catch {
            throw ExportError(.unreadableInput, file: inputPath, reason: "cannot be read as a psrec recording (\(error.message))")
        }
        if !overwrite && access(outputPath, F_OK) == 0 {
            throw ExportError(.outputExists, file: outputPath, reason: "exists")
        }
        if Converter.sameFile(inputPath, outputPath) {
            throw ExportError(.outputIsInput, file: outputPath, reason: "is the input file; choose another output path")
        }
        let sink: FileSink
        do {
            sink = try FileSink.temporary(beside: outputPath)
        } catch {
            throw ExportError(.outputFailed, file: outputPath, reason: "cannot be created (\(error.message))")
        }
        let temporary = sink.path
        do throws(ExportError) {
            var report = try export(reader, format: format, to: sink, outputName: outputPath)
            do {
                try sink.close()
            } catch {
                throw ExportError(.outputFailed, file: outputPath, reason: "cannot be written (\(error.message))")
            }
            guard rename(temporary, outputPath) == 0 else {
                throw ExportError(.outputFailed, file: outputPath, reason: "cannot be put in place (\(String(cString: strerror(errno))))")
            }
            switch reader.status {
            case .complete: break
            case .truncated: report.warnings.append("\(inputPath) is truncated; the export ends at its last complete chunk")
            case .corrupt: report.warnings.append("\(inputPath) is corrupt; \(reader.damage.count) corrupt part(s) were skipped")
            }
            return report
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Exports an open recording to `sink`.
    ///
    /// - Parameter outputName: how errors name the output.
    /// - Throws: `ExportError(.outputFailed)` when the sink cannot be written.
    /// - Complexity: O(events); one chunk of events and one output block in memory.
    public static func export(_ reader: RecordingReader, format: ExportFormat, to sink: any ChunkSink,
                              outputName: String = "the output") throws(ExportError) -> ExportReport {
        let out = BlockWriter(sink: sink, name: outputName)
        var report: ExportReport
        switch format {
        case .asciicastV2, .asciicastV3:
            var writer = AsciicastWriter(version: format == .asciicastV3 ? 3 : 2, out: out)
            report = try writer.write(reader)
        case .txt:
            report = try TranscriptWriter(out: out).write(reader)
        }
        try out.flush()
        return report
    }
}

/// Buffers output into 64 KiB blocks for a `ChunkSink`.
final class BlockWriter {
    let sink: any ChunkSink
    let name: String
    var buffer: [UInt8] = []

    init(sink: any ChunkSink, name: String) {
        self.sink = sink
        self.name = name
        buffer.reserveCapacity(1 << 17)
    }

    func append(_ bytes: [UInt8]) throws(ExportError) {
        buffer += bytes
        if buffer.count >= 1 << 16 { try flush() }
    }

    func append(_ text: String) throws(ExportError) { try append(Array(text.utf8)) }

    func flush() throws(ExportError) {
        guard !buffer.isEmpty else { return }
        do {
            try sink.append(buffer)
        } catch {
            throw ExportError(.outputFailed, file: name, reason: "cannot be written (\(error.message))")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
