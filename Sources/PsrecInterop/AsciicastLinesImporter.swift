internal import PsrecFormat

/// Imports asciicast v2 and v3: newline-delimited JSON, a header object on the first line
/// and one event array per following line, read one line at a time.
///
/// v2 times are absolute; v3 times are intervals since the previous event, summed here in
/// integer microseconds so that long sessions do not drift. v3 lines starting with `#` are
/// comments. Blank lines are ignored in both.
struct AsciicastLinesImporter {
    let format: InputFormat
    let context: ImportContext

    private var isV3: Bool { format == .asciicastV3 }
    private var shape: String { isV3 ? "[interval, code, data]" : "[time, code, data]" }

    func run(_ buffer: InputBuffer) throws(ConversionError) -> ConversionReport {
        let name = context.inputName
        let header = try readHeader(buffer)
        var warnings: [String] = []
        let metadata = header.metadata(context: context, warnings: &warnings)
        let session = try ImportSession(format: format, metadata: metadata, context: context, warnings: warnings)
        var codeScratch: [UInt8] = []
        var clock: Int64 = 0
        while let result = try buffer.nextLine() {
            let line: InputBuffer.Line
            switch result {
            case .tooLong(let number, _):
                let reason = "the line is longer than \(buffer.maxLineBytes >> 20) MiB"
                guard context.options.lenient else { throw ConversionError(.malformedLine, file: name, line: number, reason: reason) }
                session.skip(reason: reason, at: .line(number))
                continue
            case .line(let l):
                line = l
            }
            let parsed = buffer.bytes.withUnsafeBytes { raw -> Result<AsciicastEvent?, AsciicastEvent.Problem> in
                var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: raw[line.range]))
                guard let first = scanner.peekByte() else { return .success(nil) }
                if isV3 && first == UInt8(ascii: "#") { return .success(nil) }
                do throws(AsciicastEvent.Problem) {
                    let event = try AsciicastEvent.parse(&scanner, shape: shape, hasCode: true, codeScratch: &codeScratch)
                    guard scanner.isAtEnd else {
                        return .failure(.init(reason: "unexpected text after the event array (column \(scanner.position + 1))"))
                    }
                    return .success(event)
                } catch {
                    return .failure(error)
                }
            }
            let event: AsciicastEvent
            let mapped: Event?
            do throws(AsciicastEvent.Problem) {
                guard let e = try parsed.get() else { continue }
                event = e
                mapped = try event.event()
            } catch {
                if !line.terminated {
                    // A last line without its line feed that does not parse is a torn write.
                    let reason = "the last line is cut short (\(error.reason)), as when the recorder stops mid-write"
                    guard context.options.lenient else { throw ConversionError(.truncatedLine, file: name, line: line.number, reason: reason) }
                    session.skipTorn("\(name) line \(line.number), the last line, is cut short and was skipped")
                    continue
                }
                guard context.options.lenient else { throw ConversionError(.malformedLine, file: name, line: line.number, reason: error.reason) }
                session.skip(reason: error.reason, at: .line(line.number))
                continue
            }
            let time: Int64
            if isV3 {
                var interval = event.micros
                if interval < 0 {
                    // A negative interval is time going backwards: clamped like v2's.
                    session.noteClamped(at: .line(line.number))
                    interval = 0
                }
                clock = min(clock + interval, Limits.maxMicros)
                time = clock
            } else {
                time = event.micros
            }
            guard let mapped else {
                session.ignore(code: String(decoding: event.code.prefix(16), as: UTF8.self), at: .line(line.number))
                continue
            }
            try session.append(mapped, atMicros: time, at: .line(line.number))
        }
        return try session.finish()
    }

    /// Reads and checks the first line.
    private func readHeader(_ buffer: InputBuffer) throws(ConversionError) -> AsciicastHeader {
        let name = context.inputName
        let version = isV3 ? 3 : 2
        let wanted = "the header is not a JSON object with \"version\": \(version)"
        guard let first = try buffer.nextLine() else {
            throw ConversionError(.malformedHeader, file: name, reason: "is empty")
        }
        guard case .line(let line) = first else {
            throw ConversionError(.malformedHeader, file: name, line: 1, reason: "the header line is longer than \(buffer.maxLineBytes >> 20) MiB")
        }
        let value = buffer.bytes.withUnsafeBytes { raw -> JSONValue? in
            var range = line.range
            if raw[range].starts(with: [0xEF, 0xBB, 0xBF]) { range = (range.lowerBound + 3)..<range.upperBound }
            var scanner = JSONScanner(UnsafeRawBufferPointer(rebasing: raw[range]))
            guard let value = scanner.scanValue(), scanner.isAtEnd else { return nil }
            return value
        }
        guard let value, case .object = value else {
            throw ConversionError(.malformedHeader, file: name, line: 1, reason: wanted)
        }
        let header = AsciicastHeader(members: value, format: format)
        guard header.version == Int64(version) else {
            throw ConversionError(.malformedHeader, file: name, line: 1, reason: wanted)
        }
        return header
    }
}
