import PsrecFormat

/// Makes text from a file safe to print on an auditor's terminal.
///
/// Metadata (user names, titles, paths, key-values) can hold anything; printed raw, an
/// escape sequence could retitle the window, rewrite the screen or hide lines. Every scalar
/// of `UnsafeScalars` (controls, bidirectional controls, invisible and other format
/// characters, line and paragraph separators), the list JSON output uses too, is shown as
/// an escape: `\x1b` for C0, DEL and C1, `\u{202e}` for the rest.
public enum TerminalSafe {
    /// `text` with every control character escaped (`\x1b`, `\n`, `\u{202e}`): see
    /// `UnsafeScalars.escape(_:)`, which the server's log and audit rows use too.
    public static func escape(_ text: String) -> String { UnsafeScalars.escape(text) }

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
