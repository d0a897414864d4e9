public import PsrecFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts asciicast (v1, v2, v3), ttyrec, util-linux `script` and sudo I/O log recordings
/// to psrec (the last two span several files: see `Converter+MultiFile.swift`).
///
/// ```swift
/// let report = try Converter.convert(inputPath: "demo.cast", outputPath: "demo.psrec",
///                                    options: ConversionOptions(user: "alice"))
/// ```
/// The input is read in blocks, line by line (asciicast v2, v3) or frame by frame (ttyrec),
/// so memory stays bounded whatever its size; asciicast v1, a single JSON document, is read
/// whole up to 256 MiB. Bad input throws a `ConversionError` naming the line or byte
/// offset; it never traps.
///
/// Start time (`start_unix_us`): `ConversionOptions.startUnixMicros` when set; else the
/// asciicast header's `timestamp`, or the first ttyrec frame's time; else, for a file, its
/// modification time (a warning says so: for a recorder that writes as it goes this is the
/// session's end, so it is late by up to the session's length); else 0.
public enum Converter {
    /// How many leading bytes `detect` looks at when converting.
    public static let detectionBytes = 64 * 1024

    /// Detects the format from content, not from a file name.
    ///
    /// asciicast is a JSON object whose `version` is 1, 2 or 3 (the first line is parsed;
    /// when it is not a whole object, as in a pretty-printed v1 file, the first `"version":`
    /// member is looked for). ttyrec is recognised by a plausible first frame header:
    /// microseconds below one million and a length within the frame limit.
    ///
    /// - Parameter head: the first bytes of the input (`detectionBytes` is plenty).
    /// - Returns: nil when the content is none of the formats.
    /// - Complexity: O(head.count).
    public static func detect(_ head: [UInt8]) -> InputFormat? {
        head.withUnsafeBytes { raw -> InputFormat? in
            var start = raw.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while start < raw.count, [0x20, 0x09, 0x0A, 0x0D].contains(raw[start]) { start += 1 }
            if start < raw.count && raw[start] == UInt8(ascii: "{") {
                if let format = detectAsciicast(UnsafeRawBufferPointer(rebasing: raw[start...])) { return format }
            }
            return looksLikeTtyrec(raw) ? .ttyrec : nil
        }
    }

    private static func detectAsciicast(_ raw: UnsafeRawBufferPointer) -> InputFormat? {
        let firstLineEnd = raw.firstIndex(of: 0x0A) ?? raw.count
        var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: raw[..<firstLineEnd]))
        if let value = scanner.scanValue(), scanner.isAtEnd {
            switch AsciicastHeader(members: value, format: .asciicastV2).version {
            case 1?: return .asciicastV1
            case 2?: return .asciicastV2
            case 3?: return .asciicastV3
            default: return nil
            }
        }
        // Not a whole object on the first line: look for the version member's digit.
        let key = Array("\"version\"".utf8)
        var i = 0
        while i + key.count <= raw.count {
            if raw[i] == key[0] && raw[i..<(i + key.count)].elementsEqual(key) {
                var scanner = JSONScanner(raw, position: i + key.count)
                if scanner.consume(UInt8(ascii: ":")), let range = scanner.scanNumber() {
                    switch String(decoding: UnsafeRawBufferPointer(rebasing: raw[range]), as: UTF8.self) {
                    case "1": return .asciicastV1
                    case "2": return .asciicastV2
                    case "3": return .asciicastV3
                    default: return nil
                    }
                }
            }
            i += 1
        }
        return nil
    }

    /// A ttyrec file has no signature; its first frame header must be plausible: a
    /// microsecond field below one million (text never has that: its bytes are all 0x09 or
    /// above) and a length within the frame limit.
    private static func looksLikeTtyrec(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard raw.count >= TtyrecImporter.headerSize else { return false }
        let micros = raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian
        let length = raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian
        return micros < 1_000_000 && length <= TtyrecImporter.maxFrameBytes
    }

    /// Converts the file at `inputPath` to a new psrec file at `outputPath`.
    ///
    /// On failure nothing is left at `outputPath` (unless it existed and `overwrite` was not
    /// set, in which case it is untouched).
    ///
    /// - Parameters:
    ///   - overwrite: replace `outputPath` if it exists; otherwise an existing file is an error.
    /// - Throws: `ConversionError` naming the file, and the line or byte offset, when the
    ///   input cannot be read or is malformed, or the output cannot be written.
    public static func convert(inputPath: String, outputPath: String, options: ConversionOptions,
                               overwrite: Bool = false) throws(ConversionError) -> ConversionReport {
        if let report = try convertMultiFile(inputPath: inputPath, outputPath: outputPath, options: options, overwrite: overwrite) {
            return report
        }
        let input = try FileInput(path: inputPath)
        if FileIdentity.same(inputPath, outputPath) {
            throw ConversionError(.outputIsInput, file: outputPath, reason: "is the input file; choose another output path")
        }
        return try convert(reading: input, outputPath: outputPath, options: options, overwrite: overwrite)
    }

    /// Converts a stream of input bytes (a file, standard input) to a new psrec file at
    /// `outputPath`; see `convert(inputPath:outputPath:options:overwrite:)`.
    public static func convert(reading input: any ConversionInput, outputPath: String, options: ConversionOptions,
                               overwrite: Bool = false) throws(ConversionError) -> ConversionReport {
        var created = false
        let factory = WriterFactory { (metadata) throws(FormatError) -> RecordingWriter in
            let writer = try RecordingWriter(path: outputPath, metadata: metadata, options: options.writer, overwrite: overwrite)
            created = true
            return writer
        }
        let context = ImportContext(inputName: input.name, outputName: outputPath, options: options,
                                    fallbackStartMicros: (input as? FileInput)?.modificationUnixMicros, factory: factory)
        do {
            return try run(input, context: context)
        } catch {
            try? factory.writer?.abandon()
            if created { unlink(outputPath) }
            throw error
        }
    }

    /// Converts bytes held in memory, writing the recording to `sink`.
    ///
    /// - Parameter name: how error messages name the input.
    /// - Throws: `ConversionError`; the sink then holds a partial recording.
    public static func convert(input: [UInt8], name: String = "input", sink: any ChunkSink,
                               options: ConversionOptions) throws(ConversionError) -> ConversionReport {
        try convert(reading: MemoryInput(input, name: name), sink: sink, options: options)
    }

    /// Converts a stream of input bytes, writing the recording to `sink`.
    ///
    /// - Throws: `ConversionError`; the sink then holds a partial recording.
    public static func convert(reading input: any ConversionInput, sink: any ChunkSink,
                               options: ConversionOptions) throws(ConversionError) -> ConversionReport {
        let factory = WriterFactory { (metadata) throws(FormatError) -> RecordingWriter in
            try RecordingWriter(sink: sink, metadata: metadata, options: options.writer)
        }
        let context = ImportContext(inputName: input.name, outputName: "the output", options: options,
                                    fallbackStartMicros: (input as? FileInput)?.modificationUnixMicros, factory: factory)
        return try run(input, context: context)
    }

    private static func run(_ input: any ConversionInput, context: ImportContext) throws(ConversionError) -> ConversionReport {
        let buffer = InputBuffer(input: input)
        let format: InputFormat
        if let forced = context.options.format {
            if forced.isMultiFile {
                throw ConversionError(.needsMoreFiles, file: context.inputName,
                                      reason: "cannot be read as \(forced.rawValue) alone: that format spans several files (its timing file, or the I/O log folder, is needed)")
            }
            format = forced
        } else {
            // Detect as soon as the bytes that arrived allow it, so a live stream (stdin) is
            // converted as it arrives rather than after the first 64 KiB.
            var head: [UInt8] = []
            var detectedEarly: InputFormat?
            while head.count < detectionBytes {
                let (bytes, more) = try buffer.peekMore(detectionBytes)
                head = bytes
                if head.contains(0x0A) || head.count >= 12, let found = detect(head) {
                    detectedEarly = found
                    break
                }
                if !more { break }
            }
            guard !head.isEmpty else {
                throw ConversionError(.unknownFormat, file: context.inputName, reason: "is empty, so its format cannot be detected")
            }
            guard let detected = detectedEarly ?? detect(head) else {
                if head.starts(with: ScriptLog.startedPrefix) {
                    throw ConversionError(.needsMoreFiles, file: context.inputName,
                                          reason: "is a util-linux script typescript, which is read with its timing file")
                }
                throw ConversionError(.unknownFormat, file: context.inputName,
                                      reason: "is not an asciicast (v1, v2, v3), ttyrec, script or sudo I/O log recording")
            }
            format = detected
        }
        switch format {
        case .asciicastV1: return try AsciicastV1Importer(context: context).run(buffer)
        case .asciicastV2, .asciicastV3: return try AsciicastLinesImporter(format: format, context: context).run(buffer)
        case .ttyrec: return try TtyrecImporter(context: context).run(buffer)
        case .script, .scriptAdvanced, .sudoIOLog:
            throw ConversionError(.unknownFormat, file: context.inputName, reason: "spans several files and cannot be read from one stream")
        }
    }
}
