/// A request's query string or form body, decoded: `name=value` pairs separated by `&`,
/// `+` for a space and `%XX` for a byte (application/x-www-form-urlencoded).
///
/// Anything malformed throws a `WebInputError` whose sentence the browser is shown with a
/// 400: a stray `%`, bytes that are not UTF-8, a value past `WebLimits.valueCharacters`, a
/// control character, a name given twice.
struct WebParameters {
    private(set) var values: [String: String] = [:]

    init(encoded: Substring?, limitBytes: Int = WebLimits.queryBytes) throws(WebInputError) {
        guard let encoded, !encoded.isEmpty else { return }
        guard encoded.utf8.count <= limitBytes else {
            throw WebInputError("The request's parameters are \(encoded.utf8.count) bytes long; at most \(limitBytes) are accepted.")
        }
        for pair in encoded.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "A parameter name")
            let value = try Self.decode(parts.count > 1 ? parts[1] : "", what: "The parameter '\(name)'")
            guard name.count <= 32, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw WebInputError("'\(String(name.prefix(32)))' is not a parameter name this page knows.")
            }
            guard value.count <= WebLimits.valueCharacters else {
                throw WebInputError("The parameter '\(name)' is \(value.count) characters long; at most \(WebLimits.valueCharacters) are accepted.")
            }
            guard values[name] == nil else { throw WebInputError("The parameter '\(name)' is given more than once; give it once.") }
            values[name] = value
        }
    }

    subscript(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// Decodes one percent-encoded component, which must be UTF-8 without control characters.
    static func decode(_ text: Substring, what: String) throws(WebInputError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw WebInputError("\(what) has a '%' not followed by two hex digits.")
                }
                bytes.append(high << 4 | low)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw WebInputError("\(what) is not UTF-8 text.")
        }
        if decoded.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw WebInputError("\(what) contains a control character.")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// A request the application cannot act on: answered with `status` and this sentence.
struct WebInputError: Error {
    var status: Int
    /// One sentence for people; plain text, escaped where it is shown.
    var sentence: String

    init(_ sentence: String, status: Int = 400) {
        self.sentence = sentence
        self.status = status
    }
}
