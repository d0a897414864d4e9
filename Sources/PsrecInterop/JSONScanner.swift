/// Scans RFC 8259 JSON in a byte buffer, with two departures asciicast files need:
/// a lone surrogate escape (`"\ud83d"`, which asciinema can write) decodes to U+FFFD, and
/// invalid UTF-8 inside a string is repaired to U+FFFD, where Foundation's parsers reject
/// the whole line. Numbers are handed out as their text.
///
/// Scanning never traps: every failure returns nil or false and leaves `position` at the
/// offending byte. Nesting deeper than `maxDepth` fails rather than recursing further.
struct JSONScanner {
    static let maxDepth = 64

    let bytes: UnsafeRawBufferPointer
    var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    /// True when only whitespace is left.
    var isAtEnd: Bool {
        mutating get { skipWhitespace(); return position >= bytes.count }
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, not consumed.
    mutating func peekByte() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    /// Skips whitespace and consumes `byte` if it comes next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// Consumes a JSON number and returns the range of its text.
    mutating func scanNumber() -> Range<Int>? {
        skipWhitespace()
        let start = position
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard skipDigits() else { position = start; return nil }
        if position < bytes.count && bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard skipDigits() else { return nil }
        }
        if position < bytes.count && (bytes[position] | 0x20) == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count && (bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-")) {
                position += 1
            }
            guard skipDigits() else { return nil }
        }
        return start..<position
    }

    private mutating func skipDigits() -> Bool {
        let start = position
        while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 { position += 1 }
        return position > start
    }

    /// Consumes a JSON string, appending its UTF-8 (unescaped, repaired) to `out`.
    mutating func scanString(into out: inout [UInt8]) -> Bool {
        guard consume(UInt8(ascii: "\"")) else { return false }
        var runStart = position
        var runHasHighBytes = false
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                appendRun(runStart..<position, hasHighBytes: runHasHighBytes, to: &out)
                position += 1
                return true
            }
            if byte == UInt8(ascii: "\\") {
                appendRun(runStart..<position, hasHighBytes: runHasHighBytes, to: &out)
                position += 1
                guard scanEscape(into: &out) else { return false }
                runStart = position
                runHasHighBytes = false
                continue
            }
            if byte >= 0x80 { runHasHighBytes = true }
            position += 1
        }
        return false
    }

    private func appendRun(_ range: Range<Int>, hasHighBytes: Bool, to out: inout [UInt8]) {
        guard !range.isEmpty else { return }
        let run = UnsafeRawBufferPointer(rebasing: bytes[range])
        if !hasHighBytes || UTF8Repair.isValid(run) {
            out.append(contentsOf: run)
        } else {
            UTF8Repair.appendRepaired(run, to: &out)
        }
    }

    /// Decodes the escape after a backslash.
    private mutating func scanEscape(into out: inout [UInt8]) -> Bool {
        guard position < bytes.count else { return false }
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard let unit = scanHex4() else { return false }
            var scalar = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate counts only when a low one follows; alone it is U+FFFD.
                let save = position
                if position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                    position += 2
                    if let low = scanHex4(), (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        position = save
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalar = 0xFFFD
            }
            UTF8Repair.append(scalar: scalar, to: &out)
        default:
            position -= 2
            return false
        }
        return true
    }

    private mutating func scanHex4() -> UInt16? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Consumes any JSON value and builds it.
    mutating func scanValue(depth: Int = 0) -> JSONValue? {
        guard depth < Self.maxDepth, let first = peekByte() else { return nil }
        switch first {
        case UInt8(ascii: "{"):
            position += 1
            var members: [String: JSONValue] = [:]
            if consume(UInt8(ascii: "}")) { return .object(members) }
            var key: [UInt8] = []
            repeat {
                key.removeAll(keepingCapacity: true)
                guard scanString(into: &key), consume(UInt8(ascii: ":")),
                      let value = scanValue(depth: depth + 1) else { return nil }
                members[String(decoding: key, as: UTF8.self)] = value
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}")) ? .object(members) : nil
        case UInt8(ascii: "["):
            position += 1
            var elements: [JSONValue] = []
            if consume(UInt8(ascii: "]")) { return .array(elements) }
            repeat {
                guard let value = scanValue(depth: depth + 1) else { return nil }
                elements.append(value)
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]")) ? .array(elements) : nil
        case UInt8(ascii: "\""):
            var text: [UInt8] = []
            guard scanString(into: &text) else { return nil }
            return .string(String(decoding: text, as: UTF8.self))
        case UInt8(ascii: "t"): return scanLiteral("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return scanLiteral("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return scanLiteral("null") ? .null : nil
        default:
            guard let range = scanNumber() else { return nil }
            return .number(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        }
    }

    /// Consumes any JSON value without building it; strings are decoded into `scratch`
    /// (emptied first) only to check them.
    mutating func skipValue(scratch: inout [UInt8], depth: Int = 0) -> Bool {
        guard depth < Self.maxDepth, let first = peekByte() else { return false }
        switch first {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = first == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            position += 1
            if consume(close) { return true }
            repeat {
                if isObject {
                    scratch.removeAll(keepingCapacity: true)
                    guard scanString(into: &scratch), consume(UInt8(ascii: ":")) else { return false }
                }
                guard skipValue(scratch: &scratch, depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(close)
        case UInt8(ascii: "\""):
            scratch.removeAll(keepingCapacity: true)
            return scanString(into: &scratch)
        case UInt8(ascii: "t"): return scanLiteral("true")
        case UInt8(ascii: "f"): return scanLiteral("false")
        case UInt8(ascii: "n"): return scanLiteral("null")
        default: return scanNumber() != nil
        }
    }

    private mutating func scanLiteral(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for i in 0..<count where bytes[position + i] != word.utf8Start[i] { return false }
        position += count
        return true
    }
}
