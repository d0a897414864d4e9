/// The JSON-lines form of events used by `psrec events --json` and by the expected
/// `*.events.jsonl` files beside the test vectors (`Spec/format.md#test-vectors`).
///
/// Keys come in a fixed order so output is reproducible. Byte payloads are a JSON string
/// when they are valid UTF-8 (`data`) and base64 otherwise (`data_base64`); pixels are
/// summarised by their CRC-32.
extension TimedEvent {
    /// One JSON object, without a newline.
    public func jsonLine() -> String {
        var fields: [(String, String)] = [("t", String(timeMicros)), ("type", JSONText.string(event.type.name))]
        func bytesField(_ bytes: [UInt8]) {
            if let text = String(validating: bytes, as: UTF8.self) {
                fields.append(("data", JSONText.string(text)))
            } else {
                fields.append(("data_base64", JSONText.string(Base64.encode(bytes))))
            }
        }
        switch event {
        case .output(let bytes), .input(let bytes): bytesField(bytes)
        case .resize(let cols, let rows): fields += [("cols", "\(cols)"), ("rows", "\(rows)")]
        case .marker(let label): fields.append(("label", JSONText.string(label)))
        case .command(let text): fields.append(("text", JSONText.string(text)))
        case .click(let x, let y, let button): fields += [("x", "\(x)"), ("y", "\(y)"), ("button", "\(button)")]
        case .exit(let status): fields.append(("status", "\(status)"))
        case .redactedInput(let count): fields.append(("count", "\(count)"))
        case .gap(let gap):
            fields += [("from_us", "\(gap.fromMicros)"), ("to_us", "\(gap.toMicros)"),
                       ("from_offset", "\(gap.fromOffset)"), ("to_offset", "\(gap.toOffset)")]
        case .screenKeyframe(let image):
            fields += [("width", "\(image.width)"), ("height", "\(image.height)"), ("format", "\(image.format.rawValue)"),
                       ("pixels_crc32", "\(Checksum.crc32(image.pixels))")]
        case .screenDelta(let delta):
            let rects = delta.rects.map { "{\"x\":\($0.x),\"y\":\($0.y),\"width\":\($0.width),\"height\":\($0.height),\"pixels_crc32\":\(Checksum.crc32($0.pixels))}" }
            fields += [("format", "\(delta.format.rawValue)"), ("rects", "[" + rects.joined(separator: ",") + "]")]
        case .pointerMove(let x, let y): fields += [("x", "\(x)"), ("y", "\(y)")]
        case .key(let keysym, let modifiers, let down):
            fields += [("keysym", "\(keysym)"), ("modifiers", "\(modifiers)"), ("down", down ? "true" : "false")]
        case .unknown(let type, let body):
            fields += [("type_byte", "\(type)"), ("body_base64", JSONText.string(Base64.encode(body)))]
        }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}

/// JSON string quoting that escapes every scalar of `UnsafeScalars` (controls, bidirectional
/// controls, invisible and other format characters), so JSON output is also safe to print on
/// a terminal.
public enum JSONText {
    /// `text` as a quoted JSON string.
    public static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        append(text, to: &out)
        return out + "\""
    }

    /// Appends `text` escaped as inside a JSON string, without quotes: a long text can be
    /// written in pieces (any cut between scalars gives the same result).
    public static func append(_ text: String, to out: inout String) {
        // Plain printable ASCII, the bulk of recorded output, needs no escape.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C }) {
            out += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if UnsafeScalars.contains(scalar) {
                    // Above U+FFFF as a UTF-16 surrogate pair, as JSON writes those.
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }
}

/// Standard base64 (RFC 4648) with padding.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Encodes `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 2 < bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], 0x3D, 0x3D]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 0x3D]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
