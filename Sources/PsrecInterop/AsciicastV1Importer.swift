internal import PsrecFormat

/// Imports asciicast v1: one JSON object whose `stdout` array holds `[delay, data]` frames,
/// each delay the time since the previous frame.
///
/// A v1 file is one JSON document, so it is read whole (up to `maxInputBytes`); asciinema
/// 1.x recordings are small. The members other than `stdout` are read first, wherever they
/// are, so the metadata is known before the first event is written.
struct AsciicastV1Importer {
    /// Largest v1 file read.
    static let maxInputBytes = 256 << 20

    let context: ImportContext

    func run(_ buffer: InputBuffer) throws(ConversionError) -> ConversionReport {
        let name = context.inputName
        guard let document = try buffer.readAll(limit: Self.maxInputBytes) else {
            throw ConversionError(.unreadableInput, file: name, reason: "is larger than \(Self.maxInputBytes >> 20) MiB, the most psrec reads of an asciicast v1 file")
        }
        do {
            return try document.withUnsafeBytes { raw in try convert(raw) }
        } catch let error as ConversionError {
            throw error
        } catch {
            throw ConversionError(.unreadableInput, file: name, reason: "cannot be converted (\(error))")
        }
    }

    private func convert(_ raw: UnsafeRawBufferPointer) throws(ConversionError) -> ConversionReport {
        let name = context.inputName
        var lines = LineCounter(raw)
        var scanner = JSONScanner(raw, position: raw.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0)
        var scratch: [UInt8] = []

        // First pass: the members, with `stdout` only checked and located.
        var members: [String: JSONValue] = [:]
        var stdoutStart: Int?
        var brokenAt: Int?
        guard scanner.consume(UInt8(ascii: "{")) else {
            throw ConversionError(.malformedHeader, file: name, line: 1, reason: "the file is not a JSON object with \"version\": 1")
        }
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                var key: [UInt8] = []
                guard scanner.scanString(into: &key), scanner.consume(UInt8(ascii: ":")) else { brokenAt = scanner.position; break }
                let keyText = String(decoding: key, as: UTF8.self)
                if keyText == "stdout" {
                    scanner.skipWhitespace()
                    stdoutStart = scanner.position
                    guard scanner.skipValue(scratch: &scratch) else { brokenAt = scanner.position; break }
                } else {
                    guard let value = scanner.scanValue() else { brokenAt = scanner.position; break }
                    members[keyText] = value
                }
            } while scanner.consume(UInt8(ascii: ","))
            if brokenAt == nil && !scanner.consume(UInt8(ascii: "}")) { brokenAt = scanner.position }
        }
        if brokenAt == nil && !scanner.isAtEnd { brokenAt = scanner.position }
        let header = AsciicastHeader(members: .object(members), format: .asciicastV1)
        guard header.version == 1 else {
            if let brokenAt {
                throw ConversionError(.malformedHeader, file: name, line: lines.line(at: brokenAt), reason: "invalid JSON (column \(lines.column(at: brokenAt)))")
            }
            throw ConversionError(.malformedHeader, file: name, line: 1, reason: "the file is not a JSON object with \"version\": 1")
        }
        // Broken JSON outside `stdout` is fatal; inside it, lenient mode keeps the frames before.
        if let brokenAt, stdoutStart == nil || !context.options.lenient {
            let code: ConversionError.Code = brokenAt >= raw.count ? .truncatedLine : .malformedLine
            let reason = brokenAt >= raw.count ? "the file ends early, as when the recorder stops mid-write" : "invalid JSON (column \(lines.column(at: brokenAt)))"
            throw ConversionError(code, file: name, line: lines.line(at: brokenAt), reason: reason)
        }

        var warnings: [String] = []
        let metadata = header.metadata(context: context, warnings: &warnings)
        let session = try ImportSession(format: .asciicastV1, metadata: metadata, context: context, warnings: warnings)
        guard let stdoutStart else {
            session.warn("\(name) has no \"stdout\" array; the recording is empty")
            return try session.finish()
        }

        // Second pass: the frames.
        scanner.position = stdoutStart
        guard scanner.consume(UInt8(ascii: "[")) else {
            throw ConversionError(.malformedHeader, file: name, line: lines.line(at: stdoutStart), reason: "\"stdout\" is not an array")
        }
        var clock: Int64 = 0
        var codeScratch: [UInt8] = []
        if !scanner.consume(UInt8(ascii: "]")) {
            repeat {
                scanner.skipWhitespace()
                let frameStart = scanner.position
                let line = lines.line(at: frameStart)
                do {
                    let frame = try AsciicastEvent.parse(&scanner, shape: "[delay, data]", hasCode: false, codeScratch: &codeScratch)
                    guard let event = try frame.event() else { continue }
                    var delay = frame.micros
                    if delay < 0 {
                        session.noteClamped(at: .line(line))
                        delay = 0
                    }
                    clock = min(clock + delay, Limits.maxMicros)
                    try session.append(event, atMicros: clock, at: .line(line))
                } catch let problem as AsciicastEvent.Problem {
                    scanner.position = frameStart
                    let wellFormed = scanner.skipValue(scratch: &scratch)
                    if wellFormed, context.options.lenient {
                        session.skip(reason: problem.reason, at: .line(line))
                        continue
                    }
                    guard context.options.lenient else {
                        throw ConversionError(wellFormed ? .malformedLine : (scanner.position >= raw.count ? .truncatedLine : .malformedLine),
                                              file: name, line: line, reason: problem.reason)
                    }
                    session.skipTorn("\(name) is broken at line \(line) (\(problem.reason)); the frames after it were left out")
                    return try session.finish()
                } catch let error as ConversionError {
                    throw error
                } catch {
                    throw ConversionError(.malformedLine, file: name, line: line, reason: "\(error)")
                }
            } while scanner.consume(UInt8(ascii: ","))
            if !scanner.consume(UInt8(ascii: "]")) {
                let at = scanner.position
                guard context.options.lenient else {
                    throw ConversionError(at >= raw.count ? .truncatedLine : .malformedLine, file: name, line: lines.line(at: at),
                                          reason: at >= raw.count ? "the file ends early, as when the recorder stops mid-write" : "invalid JSON (column \(lines.column(at: at)))")
                }
                session.skipTorn("\(name) is broken at line \(lines.line(at: at)); the frames after it were left out")
            }
        }
        return try session.finish()
    }
}
