/// Compression applied to one chunk payload (`Spec/format.md#compression`).
///
/// Each chunk is compressed on its own so that any chunk decodes alone.
public enum Codec: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Stored as is.
    case none = 0
    /// One zlib stream (RFC 1950).
    case zlib = 1
    /// One zstd frame (RFC 8878).
    case zstd = 2

    /// Parses `none`, `zlib` or `zstd`.
    public init?(name: String) {
        switch name.lowercased() {
        case "none": self = .none
        case "zlib": self = .zlib
        case "zstd": self = .zstd
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .zlib: "zlib"
        case .zstd: "zstd"
        }
    }

    /// The level used when none is given: zstd 3, zlib 6.
    public var defaultLevel: Int {
        switch self {
        case .none: 0
        case .zlib: 6
        case .zstd: 3
        }
    }

    /// Valid compression levels for this codec.
    public var levels: ClosedRange<Int> {
        switch self {
        case .none: 0...0
        case .zlib: 0...9
        case .zstd: 1...19
        }
    }
}
