/// The one list of Unicode scalars that psrec never shows raw on a terminal, in text output
/// (`TerminalSafe` in the CLI) and in JSON output (`JSONText`) alike
/// (`Spec/format.md#test-vectors`).
///
/// Recorded text (marker labels, command texts, metadata) can hold anything. Printed raw,
/// these scalars could run escape sequences, reorder what an auditor reads (bidirectional
/// controls), hide text or make two different strings look the same (zero-width and other
/// invisible format characters), or break lines where none is shown (line and paragraph
/// separators). The list is fixed here rather than taken from the Unicode tables of the
/// running system, so that every implementation and every version escapes exactly the same
/// scalars: controls, and every format character (general category Cf) of Unicode 15.1.
public enum UnsafeScalars {
    /// The ranges, in increasing order.
    public static let ranges: [ClosedRange<UInt32>] = [
        0x0000...0x001F,    // C0 controls
        0x007F...0x009F,    // DEL and C1 controls
        0x00AD...0x00AD,    // soft hyphen
        0x0600...0x0605,    // Arabic number signs
        0x061C...0x061C,    // Arabic letter mark (bidi)
        0x06DD...0x06DD,    // Arabic end of ayah
        0x070F...0x070F,    // Syriac abbreviation mark
        0x0890...0x0891,    // Arabic pound and piastre marks above
        0x08E2...0x08E2,    // Arabic disputed end of ayah
        0x180E...0x180E,    // Mongolian vowel separator
        0x200B...0x200F,    // zero width space, non-joiner, joiner; LRM, RLM (bidi)
        0x2028...0x2029,    // line and paragraph separators
        0x202A...0x202E,    // bidi embeddings and overrides
        0x2060...0x2064,    // word joiner, invisible operators
        0x2066...0x206F,    // bidi isolates; deprecated format characters
        0xFEFF...0xFEFF,    // zero width no-break space (byte-order mark)
        0xFFF9...0xFFFB,    // interlinear annotation
        0x110BD...0x110BD,  // Kaithi number sign
        0x110CD...0x110CD,  // Kaithi number sign above
        0x13430...0x1343F,  // Egyptian hieroglyph format controls
        0x1BCA0...0x1BCA3,  // shorthand format controls
        0x1D173...0x1D17A,  // musical symbol format controls
        0xE0001...0xE0001,  // language tag
        0xE0020...0xE007F,  // tag characters
    ]

    /// True when `scalar` must be escaped before it is shown.
    /// - Complexity: O(1) for the common printable ASCII; a short scan otherwise.
    @inlinable public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v >= 0x20 && v < 0x7F { return false }
        return _contains(v)
    }

    @usableFromInline static func _contains(_ v: UInt32) -> Bool {
        for range in ranges {
            if v < range.lowerBound { return false }
            if v <= range.upperBound { return true }
        }
        return false
    }

    /// `text` made safe to print on a terminal or to write in a log line: `\n`, `\r`, `\t`
    /// and `\\` for those, `\x1b` for the other C0 controls, DEL and C1, `\u{202e}` for the
    /// rest of the list. (`TerminalSafe.escape` in the CLI, and the ingest server's log and
    /// audit rows.)
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
                if contains(scalar) {
                    out += "\\u{" + String(v, radix: 16) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
