/// Why `PlayerInput.wait(until:)` returned.
public enum PlayerWake: Equatable, Sendable {
    /// A key was pressed (one byte of input).
    case key(UInt8)
    /// The deadline passed without a key.
    case deadline
    /// No more keys can come (input closed); returned at once from then on.
    case closed
}

/// The player's clock and keyboard. The terminal implementation sleeps in `poll(2)` on
/// stdin; tests use a scripted one whose clock only moves when the player waits, so every
/// run is deterministic.
public protocol PlayerInput: AnyObject {
    /// Monotonic wall time in microseconds.
    func nowMicros() -> Int64
    /// Waits until `deadline` (a `nowMicros()` value) or the next key, whichever comes
    /// first; with a nil deadline waits for a key however long it takes.
    func wait(until deadline: Int64?) -> PlayerWake
}

/// Where the player draws.
public protocol PlayerOutput: AnyObject {
    /// True when the output is a terminal: only then does the player write control
    /// sequences of its own (screen resets before a rebuild) and a status.
    var isTerminal: Bool { get }
    /// The terminal's size in columns and rows, when known.
    var size: (cols: Int, rows: Int)? { get }
    /// Writes recorded output bytes.
    func write(_ bytes: [UInt8])
    /// Resets the screen before it is rebuilt from an earlier point.
    func resetScreen()
    /// Shows the status text (already made terminal-safe) outside the played screen.
    func showStatus(_ text: String)
}

/// A key the player understands.
enum PlayerKey {
    case pauseResume, step, nextIndicator, previousIndicator, faster, slower, quit

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
}
