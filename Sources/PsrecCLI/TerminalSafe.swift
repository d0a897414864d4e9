import PsrecFormat

/// Makes text from a file safe to print on an auditor's terminal.
///
/// Metadata (user names, titles, paths, key-values) can hold anything; printed raw, an
/// escape sequence could retitle the window, rewrite the screen or hide lines. Every scalar
/// of `UnsafeScalars` (controls, bidirectional controls, invisible and other format
/// characters, line and paragraph separators), the list JSON output uses too, is shown as
/// an escape: `\x1b` for C0, DEL and C1, `\u{202e}` for the rest.
public enum TerminalSafe {
    /// `text` with every control character escaped (`\x1b`, `\n`, `\u{202e}`).
    public static func escape(_ text: String) -> String {
        // Plain printable ASCII, the bulk of recorded output, needs no escape.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x5C: out += "\\\\"
            case 0..<0x20, 0x7F, 0x80..<0xA0:
                let hex = String(v, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            default:
                // The same list as JSON output: bidi controls, invisible and format characters.
                if UnsafeScalars.contains(scalar) {
                    out += "\\u{" + String(v, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Escapes raw bytes: printable ASCII as is, the rest as `\xNN` (invalid UTF-8 too).
    public static func escape(bytes: [UInt8]) -> String {
        escape(bytes: bytes, validUTF8: String(validating: bytes, as: UTF8.self) != nil)
    }

    /// `escape(bytes:)` of a block of a longer body whose validity was decided on the whole.
    public static func escape(bytes: [UInt8], validUTF8: Bool) -> String {
        if validUTF8 { return escape(String(decoding: bytes, as: UTF8.self)) }
        var out = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != 0x5C {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = String(b, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            }
        }
        return out
    }
}
