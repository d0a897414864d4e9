/// A chunk's type byte (`Spec/format.md#chunk-types`).
///
/// Bit 0x80 marks an ancillary type: a reader that does not know it skips the chunk.
/// A critical type a reader does not know stops reading at that chunk.
public struct ChunkType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Recording metadata (JSON); always the first chunk, sequence 0.
    public static let metadata = ChunkType(rawValue: 0x01)
    /// Timed events.
    public static let events = ChunkType(rawValue: 0x02)
    /// Seek and indicator index.
    public static let index = ChunkType(rawValue: 0x81)
    /// Hash-chain seal with an Ed25519 signature (format 1.2, `Spec/format.md#seals`).
    /// Readers skip it as an ancillary chunk; only `SealVerifier` reads it.
    public static let seal = ChunkType(rawValue: 0x82)

    /// True when readers may skip the chunk if they do not know its type.
    public var isAncillary: Bool { rawValue & 0x80 != 0 }
    /// True for the types defined by version 1.0.
    public var isKnown: Bool { self == .metadata || self == .events || self == .index }

    public var description: String {
        switch self {
        case .metadata: "META"
        case .events: "EVENTS"
        case .index: "INDEX"
        case .seal: "SEAL"
        default: "0x" + hexByte(rawValue)
        }
    }
}

/// Two upper-case hex digits for a byte.
func hexByte(_ value: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(value >> 4)], digits[Int(value & 0xF)]])
}
