/// Makes text from a file safe to print on an auditor's terminal.
///
/// Metadata (user names, titles, paths, key-values) can hold anything; printed raw, an
/// escape sequence could retitle the window, rewrite the screen or hide lines. Control
/// characters (C0, DEL, C1) and Unicode bidirectional overrides are shown as escapes.
public enum TerminalSafe {
    /// `text` with every control character escaped (`\x1b`, `\n`, `\u{202e}`).
    public static func escape(_ text: String) -> String {
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
            case 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
                out += "\\u{" + String(v, radix: 16) + "}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes raw bytes: printable ASCII as is, the rest as `\xNN` (invalid UTF-8 too).
    public static func escape(bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return escape(text) }
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
