/// The fixed 80-byte, printable-ASCII line that ends a complete file (`Spec/format.md#trailer`).
///
/// ```
/// PSREC-END idx=0000000000004242 seq=0000000017 dur=0000000012345678 crc=1a2b3c4d\n
/// ```
/// `idx` is the offset of the final INDEX chunk, `seq` its sequence number, `dur` the
/// recording's duration in microseconds, all zero-padded decimal; `crc` is the salted CRC-32
/// of the 66 bytes before ` crc=`, in lower-case hex. `tail -c 80 file.psrec` prints it.
public struct Trailer: Sendable, Equatable {
    /// Size of the trailer in bytes.
    public static let size = 80
    static let prefix = Array("PSREC-END idx=".utf8)

    /// Offset of the final INDEX chunk.
    public var indexOffset: Int64
    /// Sequence number of the final INDEX chunk (the last chunk of the file).
    public var indexSequence: UInt32
    /// Duration of the recording in microseconds.
    public var durationMicros: Int64

    public init(indexOffset: Int64, indexSequence: UInt32, durationMicros: Int64) {
        self.indexOffset = indexOffset
        self.indexSequence = indexSequence
        self.durationMicros = durationMicros
    }

    static func padded(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The 80 encoded bytes.
    public func encoded(salt: UInt64) -> [UInt8] {
        let body = "PSREC-END idx=\(Self.padded(UInt64(indexOffset), 16)) seq=\(Self.padded(UInt64(indexSequence), 10)) dur=\(Self.padded(UInt64(durationMicros), 16))"
        var bytes = Array(body.utf8)
        let crc = bytes.withUnsafeBytes { Checksum.salted($0, salt: salt) }
        var hex = String(crc, radix: 16)
        hex = String(repeating: "0", count: 8 - hex.count) + hex
        bytes.append(contentsOf: Array(" crc=\(hex)\n".utf8))
        precondition(bytes.count == Self.size)
        return bytes
    }

    /// Parses the last 80 bytes of a file. Returns nil when they are not a trailer of this
    /// file (wrong syntax or checksum), which a reader treats as "no trailer".
    public static func decode(_ bytes: UnsafeRawBufferPointer, salt: UInt64) -> Trailer? {
        guard bytes.count == size else { return nil }
        guard zip(bytes.prefix(prefix.count), prefix).allSatisfy({ $0 == $1 }) else { return nil }
        func digits(_ from: Int, _ count: Int) -> UInt64? {
            var value: UInt64 = 0
            for i in from..<(from + count) {
                let b = bytes[i]
                guard b >= 0x30, b <= 0x39 else { return nil }
                value = value * 10 + UInt64(b - 0x30)
            }
            return value
        }
        func literal(_ at: Int, _ text: String) -> Bool {
            zip(bytes[at..<(at + text.utf8.count)], text.utf8).allSatisfy { $0 == $1 }
        }
        guard let idx = digits(14, 16), literal(30, " seq="), let seq = digits(35, 10),
              literal(45, " dur="), let dur = digits(50, 16), literal(66, " crc="), bytes[79] == 0x0A,
              seq <= UInt64(UInt32.max), idx <= UInt64(Int64.max), dur <= UInt64(Limits.maxMicros) else { return nil }
        var crc: UInt32 = 0
        for i in 71..<79 {
            let b = bytes[i]
            let nibble: UInt32
            switch b {
            case 0x30...0x39: nibble = UInt32(b - 0x30)
            case 0x61...0x66: nibble = UInt32(b - 0x61 + 10)
            default: return nil
            }
            crc = crc << 4 | nibble
        }
        guard crc == Checksum.salted(UnsafeRawBufferPointer(rebasing: bytes[0..<66]), salt: salt) else { return nil }
        return Trailer(indexOffset: Int64(idx), indexSequence: UInt32(seq), durationMicros: Int64(dur))
    }
}
