import PsrecPlayback

/// A key `psrec play` understands, and the player command it stands for.
enum PlayerKey {
    case pauseResume, step, nextIndicator, previousIndicator, faster, slower, quit

    /// The key a byte read from the terminal is, or nil for any other byte.
    init?(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: " "): self = .pauseResume
        case UInt8(ascii: "."): self = .step
        case UInt8(ascii: "]"): self = .nextIndicator
        case UInt8(ascii: "["): self = .previousIndicator
        case UInt8(ascii: "+"), UInt8(ascii: "="): self = .faster
        case UInt8(ascii: "-"), UInt8(ascii: "_"): self = .slower
        case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04: self = .quit
        default: return nil
        }
    }

    /// The player command the key asks for.
    var command: PlayerCommand {
        switch self {
        case .pauseResume: .pauseResume
        case .step: .step
        case .nextIndicator: .nextIndicator
        case .previousIndicator: .previousIndicator
        case .faster: .faster
        case .slower: .slower
        case .quit: .quit
        }
    }
}
