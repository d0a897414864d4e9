/// What a `TerminalParser` finds in a byte stream, handed to whoever interprets it: a
/// screen emulator, a text extractor, a tracker that only needs the parser's state.
///
/// Every method has a default that ignores the action.
public protocol TerminalActions {
    /// A printable character (U+0020 and above, but not DEL or a C1 control).
    mutating func print(_ scalar: UInt32)
    /// A run of printable ASCII (0x20–0x7E) in ground state, handed over whole because it is
    /// most of any output; the default prints each byte.
    mutating func printASCII(_ run: UnsafeRawBufferPointer)
    /// A C0 control (other than ESC; CAN and SUB after they cancel), DEL, or a C1 control
    /// (U+0080–U+009F) that is not the start of a sequence.
    mutating func execute(_ control: UInt32)
    /// `ESC I…I F`: `intermediate` is the last intermediate byte or 0.
    mutating func escape(final: UInt32, intermediate: UInt32)
    /// A complete control sequence.
    mutating func controlSequence(_ sequence: ControlSequence)
    /// A byte of an OSC string's body (the window title and the like); ended by BEL or ST.
    mutating func oscByte(_ byte: UInt32)
    /// The end of an OSC string.
    mutating func oscEnd()
    /// The end of a DCS, SOS, PM or APC string, whose body is discarded.
    mutating func stringEnd()
    /// The character after SS2 (`shift` 2) or SS3 (3): in output, one character of another
    /// set; in input, a function or cursor key (`ESC O A`). The default prints it.
    mutating func singleShift(_ shift: UInt32, _ scalar: UInt32)
    /// An X10 mouse report (`CSI M` and three raw bytes), in a parser that `readsInput`.
    mutating func mouseReport(button: UInt8, x: UInt8, y: UInt8)
}

extension TerminalActions {
    public mutating func print(_ scalar: UInt32) {}
    public mutating func printASCII(_ run: UnsafeRawBufferPointer) {
        for byte in run { print(UInt32(byte)) }
    }
    public mutating func execute(_ control: UInt32) {}
    public mutating func escape(final: UInt32, intermediate: UInt32) {}
    public mutating func controlSequence(_ sequence: ControlSequence) {}
    public mutating func oscByte(_ byte: UInt32) {}
    public mutating func oscEnd() {}
    public mutating func stringEnd() {}
    public mutating func singleShift(_ shift: UInt32, _ scalar: UInt32) { print(scalar) }
    public mutating func mouseReport(button: UInt8, x: UInt8, y: UInt8) {}
}

/// Actions that do nothing: for following a stream's state alone (`TerminalParser.isAtBoundary`).
public struct IgnoredActions: TerminalActions {
    public init() {}
}
