/// The type byte of an event inside an EVENTS chunk (`Spec/format.md#events`).
public struct EventType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let output = EventType(rawValue: 0x01)
    public static let input = EventType(rawValue: 0x02)
    public static let resize = EventType(rawValue: 0x03)
    public static let marker = EventType(rawValue: 0x04)
    public static let command = EventType(rawValue: 0x05)
    public static let click = EventType(rawValue: 0x06)
    public static let exit = EventType(rawValue: 0x07)
    public static let redactedInput = EventType(rawValue: 0x08)
    public static let gap = EventType(rawValue: 0x09)
    public static let screenKeyframe = EventType(rawValue: 0x10)
    public static let screenDelta = EventType(rawValue: 0x11)
    public static let pointerMove = EventType(rawValue: 0x12)
    public static let key = EventType(rawValue: 0x13)

    /// True for marker, keyboard-command and mouse-click events, which the index lists.
    public var isIndicator: Bool { self == .marker || self == .command || self == .click }

    /// The name used in JSON and text output.
    public var name: String {
        switch self {
        case .output: "output"
        case .input: "input"
        case .resize: "resize"
        case .marker: "marker"
        case .command: "command"
        case .click: "click"
        case .exit: "exit"
        case .redactedInput: "redacted-input"
        case .gap: "gap"
        case .screenKeyframe: "screen-keyframe"
        case .screenDelta: "screen-delta"
        case .pointerMove: "pointer-move"
        case .key: "key"
        default: "unknown-0x" + hexByte(rawValue)
        }
    }

    public var description: String { name }
}

/// How pixels of a screen event are laid out (`Spec/format.md#pixel-formats`).
public enum PixelFormat: UInt8, Sendable, CaseIterable {
    /// Blue, green, red, alpha: 4 bytes per pixel.
    case bgra8888 = 1
    /// Red, green, blue: 3 bytes per pixel.
    case rgb888 = 2
    /// 5-6-5 bits red, green, blue in a little-endian 16-bit word: 2 bytes per pixel.
    case rgb565 = 3

    /// Bytes per pixel.
    public var bytesPerPixel: Int {
        switch self {
        case .bgra8888: 4
        case .rgb888: 3
        case .rgb565: 2
        }
    }
}
