public import PsrecFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recordings that span several files: util-linux `script` (a timing file and one or two
/// data files) and sudo I/O log directories.
extension Converter {
    /// Converts a util-linux `script` recording to a new psrec file at `outputPath`.
    ///
    /// The timing file's format (classic `DELAY BYTES`, or advanced `O|I|S|H …`) is
    /// detected from its content. For the classic format `outputLogPath` is the typescript.
    /// With `--log-io` give the same path for both logs, or only `outputLogPath`: when the
    /// timing file's `INPUT_LOG` and `OUTPUT_LOG` headers name the same file, input is read
    /// from it too.
    ///
    /// - Parameters:
    ///   - timingPath: the file `script` wrote with `-t`, `--timing` or `--log-timing`.
    ///   - outputLogPath: the typescript, `--log-out` or `--log-io` file.
    ///   - inputLogPath: the `--log-in` or `--log-io` file, when input was logged.
    /// - Throws: `ConversionError` naming the file and line or offset; nothing is left at
    ///   `outputPath` then.
    public static func convertScript(timingPath: String, outputLogPath: String?, inputLogPath: String? = nil,
                                     outputPath: String, options: ConversionOptions,
                                     overwrite: Bool = false) throws(ConversionError) -> ConversionReport {
        var inputLogPath = inputLogPath
        if inputLogPath == nil, let outputLogPath, let headers = try? ScriptTimingHeaders.read(path: timingPath),
           let named = headers["INPUT_LOG"], named == headers["OUTPUT_LOG"] {
            inputLogPath = outputLogPath
        }
        for path in [timingPath, outputLogPath, inputLogPath].compactMap({ $0 }) where sameFile(path, outputPath) {
            throw ConversionError(.outputIsInput, file: outputPath, reason: "is one of the input files; choose another output path")
        }
        let timing = try FileInput(path: timingPath)
        let output = try outputLogPath.map { (path) throws(ConversionError) in try FileInput(path: path) }
        let shared = outputLogPath != nil && inputLogPath != nil && sameFile(outputLogPath!, inputLogPath!)
        let input = shared ? nil : try inputLogPath.map { (path) throws(ConversionError) in try FileInput(path: path) }
        return try writing(to: outputPath, inputName: timingPath, fallbackStartMicros: output?.modificationUnixMicros,
                           options: options, overwrite: overwrite) { (context) throws(ConversionError) in
            let outputLog = output.map(ScriptLog.init)
            return try ScriptImporter(context: context, timing: InputBuffer(input: timing, maxLineBytes: 1 << 20),
                                      outputLog: outputLog, inputLog: shared ? outputLog : input.map(ScriptLog.init)).run()
        }
    }

    /// Converts a `script` recording from streams, writing the recording to `sink`.
    ///
    /// - Parameter sharedLog: true when `outputLog` also holds the input (`--log-io`);
    ///   `inputLog` is then ignored.
    /// - Throws: `ConversionError`; the sink then holds a partial recording.
    public static func convertScript(timing: any ConversionInput, outputLog: (any ConversionInput)?, inputLog: (any ConversionInput)? = nil,
                                     sharedLog: Bool = false, sink: any ChunkSink,
                                     options: ConversionOptions) throws(ConversionError) -> ConversionReport {
        let factory = WriterFactory { (metadata) throws(FormatError) -> RecordingWriter in
            try RecordingWriter(sink: sink, metadata: metadata, options: options.writer)
        }
        let context = ImportContext(inputName: timing.name, outputName: "the output", options: options,
                                    fallbackStartMicros: nil, factory: factory)
        let output = outputLog.map(ScriptLog.init)
        return try ScriptImporter(context: context, timing: InputBuffer(input: timing, maxLineBytes: 1 << 20), outputLog: output,
                                  inputLog: sharedLog ? output : inputLog.map(ScriptLog.init)).run()
    }

    /// Converts a sudo I/O log directory to a new psrec file at `outputPath`.
    ///
    /// - Throws: `ConversionError` naming the file and line; nothing is left at `outputPath` then.
    public static func convertSudoIOLog(directoryPath: String, outputPath: String, options: ConversionOptions,
                                        overwrite: Bool = false) throws(ConversionError) -> ConversionReport {
        guard SudoIOLogImporter.looksLikeIOLog(directoryPath) else {
            throw ConversionError(.unknownFormat, file: directoryPath,
                                  reason: "is a directory but not a sudo I/O log (it needs a timing file and log.json or log)")
        }
        // The importer opens files of the directory by name as the timing file reaches them:
        // an output anywhere in the directory could be one of them, or replace one.
        let parent = outputPath.contains("/") ? String(outputPath[..<outputPath.lastIndex(of: "/")!]) : "."
        if FileIdentity.same(parent.isEmpty ? "/" : parent, directoryPath) {
            throw ConversionError(.outputIsInput, file: outputPath, reason: "is inside the sudo I/O log directory being converted; choose an output path outside it")
        }
        let timing = try FileInput(path: directoryPath + "/timing")
        return try writing(to: outputPath, inputName: directoryPath, fallbackStartMicros: timing.modificationUnixMicros,
                           options: options, overwrite: overwrite) { (context) throws(ConversionError) in
            try SudoIOLogImporter(context: context, directory: directoryPath).run()
        }
    }

    /// Converts a sudo I/O log directory, writing the recording to `sink`.
    public static func convertSudoIOLog(directoryPath: String, sink: any ChunkSink,
                                        options: ConversionOptions) throws(ConversionError) -> ConversionReport {
        guard SudoIOLogImporter.looksLikeIOLog(directoryPath) else {
            throw ConversionError(.unknownFormat, file: directoryPath,
                                  reason: "is not a sudo I/O log (it needs a timing file and log.json or log)")
        }
        let factory = WriterFactory { (metadata) throws(FormatError) -> RecordingWriter in
            try RecordingWriter(sink: sink, metadata: metadata, options: options.writer)
        }
        let context = ImportContext(inputName: directoryPath, outputName: "the output", options: options,
                                    fallbackStartMicros: nil, factory: factory)
        return try SudoIOLogImporter(context: context, directory: directoryPath).run()
    }

    /// For `convert(inputPath:…)`: a directory that is a sudo I/O log, or a `script`
    /// advanced timing file whose `OUTPUT_LOG`/`INPUT_LOG` headers name files found next to
    /// the timing file, is converted as such; nil otherwise.
    ///
    /// The paths in those headers come from the file's content, which may be hostile: a header
    /// naming `/etc/shadow` must not copy that file into a recording. So only the last
    /// component of a named path is used, looked up in the timing file's own directory, and
    /// only a regular file that is not a symbolic link is taken; logs anywhere else are given
    /// on the command line (`--log-out`, `--log-in`, `--log-io`).
    static func convertMultiFile(inputPath: String, outputPath: String, options: ConversionOptions,
                                 overwrite: Bool) throws(ConversionError) -> ConversionReport? {
        var info = stat()
        guard stat(inputPath, &info) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return try convertSudoIOLog(directoryPath: inputPath, outputPath: outputPath, options: options, overwrite: overwrite)
        }
        // Only a regular file is peeked at: reading a FIFO here would take bytes from the import.
        guard (info.st_mode & S_IFMT) == S_IFREG, options.format == nil || options.format == .scriptAdvanced,
              let headers = try? ScriptTimingHeaders.read(path: inputPath), headers["TIMING_LOG"] != nil else { return nil }
        let directory = inputPath.contains("/") ? String(inputPath[..<inputPath.lastIndex(of: "/")!]) : "."
        func locate(_ named: String?) -> String? {
            guard let named, let base = named.split(separator: "/").last.map(String.init),
                  base != ".", base != ".." else { return nil }
            let beside = directory + "/" + base
            var info = stat()
            guard lstat(beside, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            return beside
        }
        let output = locate(headers["OUTPUT_LOG"]), input = locate(headers["INPUT_LOG"])
        guard output != nil || input != nil else {
            throw ConversionError(.needsMoreFiles, file: inputPath,
                                  reason: "is a script timing file, but the logs it names are not regular files beside it")
        }
        return try convertScript(timingPath: inputPath, outputLogPath: output, inputLogPath: input,
                                 outputPath: outputPath, options: options, overwrite: overwrite)
    }

    /// Runs an import into a new file at `outputPath`, removing it when the import fails.
    static func writing(to outputPath: String, inputName: String, fallbackStartMicros: Int64?, options: ConversionOptions,
                        overwrite: Bool, _ body: (ImportContext) throws(ConversionError) -> ConversionReport) throws(ConversionError) -> ConversionReport {
        var created = false
        let factory = WriterFactory { (metadata) throws(FormatError) -> RecordingWriter in
            let writer = try RecordingWriter(path: outputPath, metadata: metadata, options: options.writer, overwrite: overwrite)
            created = true
            return writer
        }
        let context = ImportContext(inputName: inputName, outputName: outputPath, options: options,
                                    fallbackStartMicros: fallbackStartMicros, factory: factory)
        do {
            return try body(context)
        } catch {
            try? factory.writer?.abandon()
            if created { unlink(outputPath) }
            throw error
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool { a == b || FileIdentity.same(a, b) }
}

/// The `H NAME VALUE` lines at the top of a `script` advanced timing file.
enum ScriptTimingHeaders {
    /// Reads the header lines from the first 64 KiB of the file at `path`; nil when the
    /// file does not start with them.
    static func read(path: String) throws(ConversionError) -> [String: String]? {
        let buffer = InputBuffer(input: try FileInput(path: path), blockSize: 64 * 1024, maxLineBytes: 64 * 1024)
        var headers: [String: String] = [:]
        while buffer.consumedOffset < 64 * 1024, let result = try buffer.nextLine(), case .line(let line) = result {
            let bytes = buffer.bytes[line.range]
            guard bytes.starts(with: Array("H ".utf8)) else { break }
            let tokens = ScriptImporter.tokens(bytes)
            guard tokens.count >= 3 else { return nil }
            headers[String(decoding: tokens[2], as: UTF8.self)] = ScriptImporter.rest(bytes, after: 3) ?? ""
        }
        return headers.isEmpty ? nil : headers
    }
}
