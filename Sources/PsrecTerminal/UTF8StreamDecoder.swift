/// Decodes UTF-8 arriving in pieces cut anywhere, one byte at a time, into Unicode scalar
/// values: a character split between two pieces is joined, and each maximal invalid
/// subpart becomes U+FFFD (Unicode §3.9, "U+FFFD Substitution of Maximal Subparts", as
/// Swift's, Python's and the Spec's decoders do).
///
/// Every psrec consumer of terminal bytes (the screen emulator, the catalog's text, the
/// player, the input interpreter) decodes through this one type, so they agree on where a
/// character starts and what an invalid byte becomes.
public struct UTF8StreamDecoder: Sendable {
    @usableFromInline var partial: UInt32 = 0
    @usableFromInline var needed: UInt8 = 0
    @usableFromInline var seen: UInt8 = 0
    @usableFromInline var low: UInt8 = 0x80
    @usableFromInline var high: UInt8 = 0xBF
    /// U+FFFD substituted so far for invalid or incomplete sequences (a U+FFFD that the
    /// input itself encodes is not counted).
    public var replacements = 0

    public init() {}

    /// True when no character is half decoded.
    @inlinable public var isAtBoundary: Bool { needed == 0 }

    /// The scalar values `byte` completes, in order: none (the middle of a character), one,
    /// or two (U+FFFD for a broken sequence, then what `byte` itself starts or is).
    @inlinable
    public mutating func decode(_ byte: UInt8, _ emit: (UInt32) -> Void) {
        let (first, second) = decode(byte)
        if let first { emit(first) }
        if let second { emit(second) }
    }

    /// The scalar values `byte` completes, in order (see `decode(_:_:)`).
    @inlinable
    public mutating func decode(_ byte: UInt8) -> (UInt32?, UInt32?) {
        var broken: UInt32?
        if needed != 0 {
            if byte >= low && byte <= high {
                partial = partial << 6 | UInt32(byte & 0x3F)
                seen += 1
                low = 0x80
                high = 0xBF
                if seen == needed {
                    needed = 0
                    return (partial, nil)
                }
                return (nil, nil)
            }
            // The sequence so far is a maximal invalid subpart; `byte` starts afresh.
            needed = 0
            low = 0x80
            high = 0xBF
            broken = 0xFFFD
            replacements += 1
        }
        let own: UInt32?
        switch byte {
        case 0x00...0x7F: own = UInt32(byte)
        case 0xC2...0xDF: start(byte, count: 2, mask: 0x1F); own = nil
        case 0xE0: start(byte, count: 3, mask: 0x0F, low: 0xA0); own = nil
        case 0xE1...0xEC, 0xEE, 0xEF: start(byte, count: 3, mask: 0x0F); own = nil
        case 0xED: start(byte, count: 3, mask: 0x0F, high: 0x9F); own = nil
        case 0xF0: start(byte, count: 4, mask: 0x07, low: 0x90); own = nil
        case 0xF1...0xF3: start(byte, count: 4, mask: 0x07); own = nil
        case 0xF4: start(byte, count: 4, mask: 0x07, high: 0x8F); own = nil
        default:
            own = 0xFFFD
            replacements += 1
        }
        return broken == nil ? (own, nil) : (broken, own)
    }

    @inlinable
    mutating func start(_ byte: UInt8, count: UInt8, mask: UInt8, low: UInt8 = 0x80, high: UInt8 = 0xBF) {
        partial = UInt32(byte & mask)
        needed = count
        seen = 1
        self.low = low
        self.high = high
    }

    /// Ends the stream: a character left incomplete becomes U+FFFD.
    @inlinable
    public mutating func finish(_ emit: (UInt32) -> Void) {
        guard needed != 0 else { return }
        needed = 0
        low = 0x80
        high = 0xBF
        replacements += 1
        emit(0xFFFD)
    }

    /// Forgets a half-decoded character.
    @inlinable
    public mutating func reset() {
        needed = 0
        low = 0x80
        high = 0xBF
    }
}
