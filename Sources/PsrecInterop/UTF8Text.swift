internal import PsrecTerminal

/// Turns a stream of bytes cut at arbitrary points into valid UTF-8 text: a sequence split
/// between two pieces is joined, and each maximal invalid subpart becomes U+FFFD (as
/// Python's and Swift's decoders do), counted in `replaced`. Decoding is psrec's one
/// decoder's (`PsrecTerminal.UTF8StreamDecoder`).
struct UTF8Text {
    private var decoder = UTF8StreamDecoder()
    /// Invalid sequences replaced so far.
    var replaced: Int { decoder.replacements }

    /// Appends the valid text of `bytes` to `out`, keeping an incomplete last sequence for
    /// the next call.
    mutating func decode(_ bytes: [UInt8], into out: inout [UInt8]) {
        for byte in bytes {
            if byte < 0x80 && decoder.isAtBoundary {
                out.append(byte)
                continue
            }
            let (first, second) = decoder.decode(byte)
            if let first { UTF8Repair.append(scalar: first, to: &out) }
            if let second { UTF8Repair.append(scalar: second, to: &out) }
        }
    }

    /// Appends U+FFFD for an incomplete sequence left at the end of the stream.
    mutating func finish(into out: inout [UInt8]) {
        decoder.finish { UTF8Repair.append(scalar: $0, to: &out) }
    }

    /// True when an incomplete sequence waits for the next piece.
    var isCarrying: Bool { !decoder.isAtBoundary }
}
