/// Turns a stream of bytes cut at arbitrary points into valid UTF-8 text: a sequence split
/// between two pieces is joined, and each maximal invalid subpart becomes U+FFFD (as
/// Python's and Swift's decoders do), counted in `replaced`.
struct UTF8Text {
    private var carry: [UInt8] = []
    /// Invalid sequences replaced so far.
    private(set) var replaced = 0

    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends the valid text of `bytes` to `out`, keeping an incomplete last sequence for
    /// the next call.
    mutating func decode(_ bytes: [UInt8], into out: inout [UInt8]) {
        let all = carry.isEmpty ? bytes : carry + bytes
        carry.removeAll(keepingCapacity: true)
        var i = 0
        let n = all.count
        while i < n {
            let lead = all[i]
            if lead < 0x80 { out.append(lead); i += 1; continue }
            let needed: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: needed = 2
            case 0xE0: needed = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: needed = 3
            case 0xED: needed = 3; high = 0x9F
            case 0xF0: needed = 4; low = 0x90
            case 0xF1...0xF3: needed = 4
            case 0xF4: needed = 4; high = 0x8F
            default:
                out += Self.replacement
                replaced += 1
                i += 1
                continue
            }
            var k = 1
            var valid = true
            while k < needed {
                if i + k >= n {
                    carry = Array(all[i...])
                    return
                }
                let byte = all[i + k]
                let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                if byte < lo || byte > hi { valid = false; break }
                k += 1
            }
            if valid {
                out += all[i..<(i + needed)]
            } else {
                out += Self.replacement
                replaced += 1
            }
            i += k
        }
    }

    /// Appends U+FFFD for an incomplete sequence left at the end of the stream.
    mutating func finish(into out: inout [UInt8]) {
        guard !carry.isEmpty else { return }
        carry.removeAll()
        out += Self.replacement
        replaced += 1
    }

    /// True when an incomplete sequence waits for the next piece.
    var isCarrying: Bool { !carry.isEmpty }
}
