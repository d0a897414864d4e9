/// One recorded event (`Spec/format.md#events`).
public enum Event: Sendable, Equatable {
    /// Bytes the session wrote to the terminal.
    case output([UInt8])
    /// Bytes typed into the session.
    case input([UInt8])
    /// The terminal was resized.
    case resize(cols: Int, rows: Int)
    /// A marker indicator with a label.
    case marker(String)
    /// A keyboard-command indicator: a command was submitted (text may be empty).
    case command(String)
    /// A mouse-click indicator at a cell or pixel position.
    case click(x: Int, y: Int, button: UInt8)
    /// The session ended with this exit status.
    case exit(Int64)
    /// Typed bytes withheld from the recording (for example at a password prompt).
    case redactedInput(count: Int)
    /// Part of the recording was lost (written by repair).
    case gap(Gap)
    /// A full screen image.
    case screenKeyframe(ScreenImage)
    /// Changed rectangles of the screen.
    case screenDelta(ScreenDelta)
    /// The pointer moved.
    case pointerMove(x: Int, y: Int)
    /// A key went down or up.
    case key(keysym: UInt32, modifiers: UInt32, down: Bool)
    /// An event type this implementation does not know; its body is kept as is.
    case unknown(type: UInt8, body: [UInt8])

    /// The type byte of this event.
    public var type: EventType {
        switch self {
        case .output: .output
        case .input: .input
        case .resize: .resize
        case .marker: .marker
        case .command: .command
        case .click: .click
        case .exit: .exit
        case .redactedInput: .redactedInput
        case .gap: .gap
        case .screenKeyframe: .screenKeyframe
        case .screenDelta: .screenDelta
        case .pointerMove: .pointerMove
        case .key: .key
        case .unknown(let type, _): EventType(rawValue: type)
        }
    }
}

/// What a repair lost: a time range and a byte range of the damaged input.
public struct Gap: Sendable, Equatable {
    /// Session time where the loss starts.
    public var fromMicros: Int64
    /// Session time where the loss ends.
    public var toMicros: Int64
    /// First damaged byte in the original file.
    public var fromOffset: Int64
    /// Byte after the last damaged byte in the original file.
    public var toOffset: Int64

    public init(fromMicros: Int64, toMicros: Int64, fromOffset: Int64, toOffset: Int64) {
        self.fromMicros = fromMicros
        self.toMicros = toMicros
        self.fromOffset = fromOffset
        self.toOffset = toOffset
    }
}

/// A rectangle of pixels.
public struct PixelRect: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    /// `width * height * bytesPerPixel` bytes, rows top to bottom.
    public var pixels: [UInt8]

    public init(x: Int, y: Int, width: Int, height: Int, pixels: [UInt8]) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}

/// A whole screen image.
public struct ScreenImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var format: PixelFormat
    /// `width * height * format.bytesPerPixel` bytes, rows top to bottom.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, format: PixelFormat, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.format = format
        self.pixels = pixels
    }
}

/// Changed rectangles of a screen.
public struct ScreenDelta: Sendable, Equatable {
    public var format: PixelFormat
    public var rects: [PixelRect]

    public init(format: PixelFormat, rects: [PixelRect]) {
        self.format = format
        self.rects = rects
    }
}

/// An event at a session time.
public struct TimedEvent: Sendable, Equatable {
    /// Microseconds since the recording start.
    public var timeMicros: Int64
    /// The event.
    public var event: Event

    public init(timeMicros: Int64, event: Event) {
        self.timeMicros = timeMicros
        self.event = event
    }
}
