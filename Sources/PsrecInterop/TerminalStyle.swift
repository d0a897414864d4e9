/// How a cell of a `TerminalScreen` is drawn (SGR, ECMA-48 §8.3.117, with xterm's colours),
/// packed into eight bytes so that a screen of `TerminalScreen.maxCells` cells costs the
/// same whatever styles it shows:
///
/// ```
///  63      60 59        58 57 … 34 33        32 31 … 8 7       0
/// ┌──────────┬────────────┬────────┬────────────┬───────┬────────┐
/// │  unused  │ bg kind    │ bg     │ fg kind    │ fg    │ flags  │
/// └──────────┴────────────┴────────┴────────────┴───────┴────────┘
///   kind: 0 default, 1 one of the 16 colours, 2 one of 256, 3 24-bit RGB
/// ```
public struct TerminalStyle: Hashable, Sendable {
    /// The attributes that are on or off.
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// SGR 1.
        public static let bold = Flags(rawValue: 1 << 0)
        /// SGR 2 (faint).
        public static let dim = Flags(rawValue: 1 << 1)
        /// SGR 3.
        public static let italic = Flags(rawValue: 1 << 2)
        /// SGR 4 (and 21, double underline, drawn as one).
        public static let underline = Flags(rawValue: 1 << 3)
        /// SGR 5 (and 6, rapid blink).
        public static let blink = Flags(rawValue: 1 << 4)
        /// SGR 7 (foreground and background swapped).
        public static let inverse = Flags(rawValue: 1 << 5)
        /// SGR 8 (concealed).
        public static let hidden = Flags(rawValue: 1 << 6)
        /// SGR 9 (crossed out).
        public static let strikethrough = Flags(rawValue: 1 << 7)

        /// Each flag with the SGR parameter that sets it, in parameter order.
        static let parameters: [(Flags, Int)] = [
            (.bold, 1), (.dim, 2), (.italic, 3), (.underline, 4), (.blink, 5), (.inverse, 7), (.hidden, 8), (.strikethrough, 9),
        ]
    }

    /// A foreground or background colour.
    public enum Color: Hashable, Sendable {
        /// The terminal's own colour (SGR 39, 49).
        case `default`
        /// One of the 16 colours of SGR 30–37, 90–97 (0–15); kept apart from the same
        /// number in the 256-colour palette, as xterm draws bold text in the 16 brighter.
        case ansi(UInt8)
        /// One of the 256-colour palette (`38;5;n`).
        case indexed(UInt8)
        /// A 24-bit colour (`38;2;r;g;b`).
        case rgb(UInt8, UInt8, UInt8)

        var packed: UInt64 {
            switch self {
            case .default: 0
            case .ansi(let n): 1 << 24 | UInt64(n & 0x0F)
            case .indexed(let n): 2 << 24 | UInt64(n)
            case .rgb(let r, let g, let b): 3 << 24 | UInt64(r) << 16 | UInt64(g) << 8 | UInt64(b)
            }
        }

        init(packed: UInt64) {
            let value = packed & 0xFF_FFFF
            switch packed >> 24 & 3 {
            case 0: self = .default
            case 1: self = .ansi(UInt8(value & 0x0F))
            case 2: self = .indexed(UInt8(value & 0xFF))
            default: self = .rgb(UInt8(value >> 16), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
            }
        }
    }

    @usableFromInline var bits: UInt64

    /// The style of a cleared terminal: default colours, no attributes.
    public static let plain = TerminalStyle()

    /// A style.
    public init(flags: Flags = [], foreground: Color = .default, background: Color = .default) {
        bits = UInt64(flags.rawValue) | foreground.packed << 8 | background.packed << 34
    }

    /// The attributes that are on.
    public var flags: Flags {
        get { Flags(rawValue: UInt8(truncatingIfNeeded: bits)) }
        set { bits = bits & ~0xFF | UInt64(newValue.rawValue) }
    }

    /// The foreground colour.
    public var foreground: Color {
        get { Color(packed: bits >> 8 & 0x3FF_FFFF) }
        set { bits = bits & ~(0x3FF_FFFF << 8) | newValue.packed << 8 }
    }

    /// The background colour.
    public var background: Color {
        get { Color(packed: bits >> 34 & 0x3FF_FFFF) }
        set { bits = bits & ~(0x3FF_FFFF << 34) | newValue.packed << 34 }
    }

    /// What erasing with this style as the current one leaves in a cell: its background
    /// colour only (xterm's and xterm.js's "background colour erase").
    var erasing: TerminalStyle { TerminalStyle(background: background) }
}
