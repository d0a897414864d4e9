internal import PsrecFormat

/// One asciicast event as written: `[time, code, data]` (v2, v3) or `[delay, data]` (v1).
struct AsciicastEvent {
    /// The time (v2) or interval (v1 delay, v3) in microseconds, exactly as the text says.
    var micros: Int64
    /// The event code, such as `o`; `o` for v1 frames.
    var code: [UInt8]
    /// The UTF-8 of the data string, or the text of the data number.
    var data: [UInt8]
    /// True when the data was a JSON number rather than a string.
    var dataIsNumber: Bool

    /// Why a line is not an event, as the end of a sentence naming the line.
    struct Problem: Error {
        var reason: String
    }

    /// Parses an event array at the scanner's position, leaving the scanner after it.
    ///
    /// - Parameters:
    ///   - shape: how the array should look, for messages (`[time, code, data]`).
    ///   - hasCode: false for v1's two-element frames.
    ///   - codeScratch: reused storage for the code.
    /// - Throws: `Problem` with what is wrong.
    static func parse(_ scanner: inout JSONScanner, shape: String, hasCode: Bool, codeScratch: inout [UInt8]) throws(Problem) -> AsciicastEvent {
        let expected = Problem(reason: "expected a JSON array \(shape)")
        guard scanner.consume(UInt8(ascii: "[")) else { throw expected }
        guard let timeRange = scanner.scanNumber() else {
            throw scanner.peekByte() == nil ? Problem(reason: "the line ends early") : expected
        }
        let timeText = UnsafeRawBufferPointer(rebasing: scanner.bytes[timeRange])
        guard let micros = DecimalMicros.parse(timeText) else {
            throw Problem(reason: "the time \(String(decoding: timeText.prefix(40), as: UTF8.self)) is out of range")
        }
        guard scanner.consume(UInt8(ascii: ",")) else { throw expected }
        codeScratch.removeAll(keepingCapacity: true)
        if hasCode {
            guard scanner.peekByte() == UInt8(ascii: "\"") else { throw expected }
            guard scanner.scanString(into: &codeScratch) else { throw invalidString(scanner, "the event code") }
            guard scanner.consume(UInt8(ascii: ",")) else { throw expected }
        } else {
            codeScratch.append(UInt8(ascii: "o"))
        }
        var data: [UInt8] = []
        var dataIsNumber = false
        switch scanner.peekByte() {
        case UInt8(ascii: "\"")?:
            data.reserveCapacity(scanner.bytes.count - scanner.position)
            guard scanner.scanString(into: &data) else { throw invalidString(scanner, "the event data") }
        case let byte? where byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte):
            guard let range = scanner.scanNumber() else { throw expected }
            data.append(contentsOf: UnsafeRawBufferPointer(rebasing: scanner.bytes[range]))
            dataIsNumber = true
        default:
            throw expected
        }
        guard scanner.consume(UInt8(ascii: "]")) else { throw expected }
        return AsciicastEvent(micros: micros, code: codeScratch, data: data, dataIsNumber: dataIsNumber)
    }

    private static func invalidString(_ scanner: JSONScanner, _ what: String) -> Problem {
        if scanner.position >= scanner.bytes.count {
            return Problem(reason: "the line ends inside \(what) string")
        }
        return Problem(reason: "\(what) is not a valid JSON string (column \(scanner.position + 1))")
    }

    /// The psrec event for this asciicast event, nil for a code psrec does not import.
    /// - Throws: `Problem` when the data does not fit the code.
    func event() throws(Problem) -> Event? {
        guard code.count == 1 else { return nil }
        switch code[0] {
        case UInt8(ascii: "o"):
            guard !dataIsNumber else { throw Problem(reason: "output data must be a JSON string") }
            return .output(data)
        case UInt8(ascii: "i"):
            guard !dataIsNumber else { throw Problem(reason: "input data must be a JSON string") }
            return .input(data)
        case UInt8(ascii: "m"):
            return .marker(String(decoding: data, as: UTF8.self))
        case UInt8(ascii: "r"):
            guard let size = Self.terminalSize(data) else {
                throw Problem(reason: "a resize event needs a size such as \"80x24\", not \"\(String(decoding: data.prefix(40), as: UTF8.self))\"")
            }
            return .resize(cols: size.cols, rows: size.rows)
        case UInt8(ascii: "x"):
            let text = String(decoding: data, as: UTF8.self)
            guard let status = Int64(text) ?? DecimalMicros.integer(text) else {
                throw Problem(reason: "an exit event needs an integer status, not \"\(String(text.prefix(40)))\"")
            }
            return .exit(status)
        default:
            return nil
        }
    }

    /// Parses `COLSxROWS` within psrec's terminal limits.
    static func terminalSize(_ text: [UInt8]) -> (cols: Int, rows: Int)? {
        guard let x = text.firstIndex(of: UInt8(ascii: "x")),
              let cols = smallNumber(text[..<x]), let rows = smallNumber(text[(x + 1)...]) else { return nil }
        return (cols, rows)
    }

    private static func smallNumber(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 6 else { return nil }
        var value = 0
        for d in digits {
            guard (0x30...0x39).contains(d) else { return nil }
            value = value * 10 + Int(d - 0x30)
        }
        return value <= Limits.maxTerminalDimension ? value : nil
    }
}
