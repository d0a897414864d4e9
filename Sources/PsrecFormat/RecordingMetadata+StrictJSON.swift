extension RecordingMetadata {
    /// The keys whose values must be JSON integers (`Spec/format.md#metadata`).
    static let integerPaths: Set<[String]> = [["start_unix_us"], ["terminal", "cols"], ["terminal", "rows"],
                                              ["screen", "width"], ["screen", "height"]]

    /// What Foundation's JSONDecoder lets through and the Spec refuses: a number with a
    /// fraction or exponent where an integer is required (`80.0000000000000001` would reach
    /// the decoder as the double 80.0, its fraction lost), and a `\u` escape of a lone
    /// surrogate, which names no character. Also refuses anything that is not JSON text.
    ///
    /// - Returns: why the payload is refused, or nil.
    static func strictJSONProblem(_ json: [UInt8]) -> String? {
        json.withUnsafeBytes { (raw) -> String? in
            var scan = StrictJSONScan(bytes: raw)
            do {
                try scan.document()
                return nil
            } catch let refusal as StrictJSONScan.Refusal {
                return refusal.reason
            } catch {
                return "the metadata is not JSON"
            }
        }
    }
}

/// One pass over JSON text, recursive descent, remembering the key path of each value.
private struct StrictJSONScan {
    struct Refusal: Error { var reason: String }

    let bytes: UnsafeRawBufferPointer
    var at = 0
    var path: [String] = []

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func document() throws(Refusal) {
        // A leading UTF-8 byte-order mark is accepted, as JSONDecoder accepts it.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { at = 3 }
        try value()
        skipSpace()
        guard at == bytes.count else { throw Refusal(reason: "bytes follow the JSON object") }
    }

    mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    func peek() -> UInt8? { at < bytes.count ? bytes[at] : nil }

    mutating func value() throws(Refusal) {
        skipSpace()
        // Deep nesting is refused before it can exhaust the stack.
        guard path.count < 64 else { throw Refusal(reason: "the JSON is nested too deeply") }
        switch peek() {
        case UInt8(ascii: "{"):
            at += 1
            skipSpace()
            if peek() == UInt8(ascii: "}") { at += 1; return }
            while true {
                skipSpace()
                guard peek() == UInt8(ascii: "\"") else { throw Refusal(reason: "an object key is not a string") }
                let key = try string()
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { throw Refusal(reason: "a colon is missing") }
                at += 1
                path.append(key)
                try value()
                path.removeLast()
                skipSpace()
                if peek() == UInt8(ascii: ",") { at += 1; continue }
                guard peek() == UInt8(ascii: "}") else { throw Refusal(reason: "an object is not closed") }
                at += 1
                return
            }
        case UInt8(ascii: "["):
            at += 1
            skipSpace()
            if peek() == UInt8(ascii: "]") { at += 1; return }
            path.append("[]")
            defer { path.removeLast() }
            while true {
                try value()
                skipSpace()
                if peek() == UInt8(ascii: ",") { at += 1; continue }
                guard peek() == UInt8(ascii: "]") else { throw Refusal(reason: "an array is not closed") }
                at += 1
                return
            }
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            try number()
        }
    }

    mutating func literal(_ word: String) throws(Refusal) {
        for byte in word.utf8 {
            guard peek() == byte else { throw Refusal(reason: "the metadata is not JSON") }
            at += 1
        }
    }

    mutating func number() throws(Refusal) {
        let start = at
        var fraction = false
        while let b = peek(), b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) {
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") { fraction = true }
            at += 1
        }
        guard at > start else { throw Refusal(reason: "the metadata is not JSON") }
        if fraction && RecordingMetadata.integerPaths.contains(path) {
            throw Refusal(reason: "\(path.joined(separator: ".")) is written with a fraction or exponent, not as an integer")
        }
    }

    /// Reads a string, escapes decoded; returns its text when it is short (keys), else "".
    mutating func string() throws(Refusal) -> String {
        at += 1
        var text = ""
        var long = false
        func add(_ scalar: Unicode.Scalar) {
            if text.utf8.count < 64 { text.unicodeScalars.append(scalar) } else { long = true }
        }
        var raw: [UInt8] = []
        func flush() {
            if !raw.isEmpty { for s in String(decoding: raw, as: UTF8.self).unicodeScalars { add(s) } }
            raw.removeAll(keepingCapacity: true)
        }
        while true {
            guard let b = peek() else { throw Refusal(reason: "a string is not closed") }
            at += 1
            if b == UInt8(ascii: "\"") { break }
            guard b == UInt8(ascii: "\\") else {
                if raw.count < 256 { raw.append(b) } else { long = true }
                continue
            }
            flush()
            guard let escape = peek() else { throw Refusal(reason: "a string is not closed") }
            at += 1
            switch escape {
            case UInt8(ascii: "u"):
                let unit = try hex4()
                if (0xDC00...0xDFFF).contains(unit) { throw Refusal(reason: "a string holds a lone surrogate escape") }
                if (0xD800...0xDBFF).contains(unit) {
                    guard peek() == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else {
                        throw Refusal(reason: "a string holds a lone surrogate escape")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw Refusal(reason: "a string holds a lone surrogate escape") }
                    add(Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)) ?? "?")
                } else {
                    add(Unicode.Scalar(unit) ?? "?")
                }
            case UInt8(ascii: "n"): add("\n")
            case UInt8(ascii: "t"): add("\t")
            case UInt8(ascii: "r"): add("\r")
            case UInt8(ascii: "b"): add("\u{8}")
            case UInt8(ascii: "f"): add("\u{C}")
            default: add(Unicode.Scalar(escape))
            }
        }
        flush()
        return long ? "" : text
    }

    mutating func hex4() throws(Refusal) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek(), let digit = Self.hexDigit(b) else { throw Refusal(reason: "a \\u escape is not four hex digits") }
            value = value << 4 | digit
            at += 1
        }
        return value
    }

    static func hexDigit(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
