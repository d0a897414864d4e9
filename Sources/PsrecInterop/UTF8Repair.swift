internal import PsrecTerminal

/// Checks UTF-8 and replaces what is not, the way asciinema's decoder does (each maximal
/// invalid subsequence becomes U+FFFD), so imported output is always valid text when the
/// input meant it to be.
enum UTF8Repair {
    /// True when `bytes` is well-formed UTF-8 (no overlongs, surrogates or values past
    /// U+10FFFF, nothing cut short), by psrec's one decoder.
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var decoder = UTF8StreamDecoder()
        for byte in bytes where byte >= 0x80 || !decoder.isAtBoundary {
            _ = decoder.decode(byte)
            if decoder.replacements > 0 { return false }
        }
        return decoder.isAtBoundary
    }

    /// Appends `bytes` with invalid sequences replaced by U+FFFD.
    static func appendRepaired(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(contentsOf: String(decoding: bytes, as: UTF8.self).utf8)
    }

    /// Appends the UTF-8 encoding of a scalar value (the caller excludes surrogates).
    static func append(scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18 & 0x07))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
