/// The one escape-sequence parser of psrec: bytes sent to a terminal in, characters and
/// control functions out, after Paul Williams' DEC ANSI parser
/// (https://vt100.net/emu/dec_ansi_parser) as xterm runs it in UTF-8 mode.
///
/// ```
///            ESC                 [  0-9 ; : < = > ?        @ … ~
///  ground ─────────▶ escape ─────────▶ control sequence ─────────▶ dispatch, ground
///    ▲                 │ ] P X ^ _
///    │                 ▼
///    └── BEL / ST ── string (OSC, DCS, SOS, PM, APC)
///  From any state: CAN or SUB cancels (ground); ESC starts a new escape sequence.
/// ```
///
/// Bytes are decoded as UTF-8 first (`UTF8StreamDecoder`); C1 controls are the scalars
/// U+0080–U+009F (CSI is U+009B, OSC U+009D, ST U+009C…), as in xterm's UTF-8 mode. The state
/// carries across calls, so a sequence or character split between two events is whole.
/// Memory is constant: at most `ControlSequence.maxParameters` parameters are kept, and
/// string bodies are handed over byte by byte, never collected.
public struct TerminalParser: Sendable {
    @usableFromInline
    enum State: Sendable {
        case ground
        case escape
        case escapeIntermediate
        case csiEntry
        case csiParameter
        case csiIntermediate
        case csiIgnore
        case osc
        /// DCS, SOS, PM or APC: the body is ignored up to ST.
        case ignoredString
    }

    @usableFromInline var state = State.ground
    @usableFromInline var decoder = UTF8StreamDecoder()
    @usableFromInline var sequence = ControlSequence()
    @usableFromInline var current: Int?
    @usableFromInline var escapeIntermediate: UInt32 = 0
    @usableFromInline var stringBytes = 0
    /// When set, a string (OSC, DCS…) longer than this many bytes is taken as garbage and
    /// the parser returns to ground, so that a stray `ESC ]` does not swallow the rest of a
    /// session's text. A terminal has no such limit; the screen emulator sets none.
    public var maxStringBytes: Int?

    public init(maxStringBytes: Int? = nil) {
        self.maxStringBytes = maxStringBytes
    }

    /// True between complete characters and sequences: where a program may insert
    /// sequences of its own without breaking the stream's.
    @inlinable public var isAtBoundary: Bool { state == .ground && decoder.isAtBoundary }

    /// True inside an escape or control sequence or a string.
    @inlinable public var isInSequence: Bool { state != .ground }

    /// Forgets any sequence or character in progress.
    @inlinable
    public mutating func reset() {
        state = .ground
        decoder.reset()
    }

    /// Feeds bytes, handing what they hold to `actions`.
    /// - Complexity: O(bytes.count) calls into `actions`; runs of printable ASCII are one call.
    @inlinable
    public mutating func feed<Actions: TerminalActions>(_ bytes: UnsafeRawBufferPointer, into actions: inout Actions) {
        var i = 0
        let count = bytes.count
        while i < count {
            if state == .ground && decoder.isAtBoundary {
                var end = i
                while end < count, bytes[end] >= 0x20, bytes[end] < 0x7F { end += 1 }
                if end > i {
                    actions.printASCII(UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                    i = end
                    continue
                }
            }
            let byte = bytes[i]
            i += 1
            let (first, second) = decoder.decode(byte)
            if let first { step(first, &actions) }
            if let second { step(second, &actions) }
        }
    }

    /// Feeds bytes, handing what they hold to `actions`.
    @inlinable
    public mutating func feed<Actions: TerminalActions>(_ bytes: [UInt8], into actions: inout Actions) {
        bytes.withUnsafeBytes { feed($0, into: &actions) }
    }

    /// Feeds bytes only to follow the stream's state.
    @inlinable
    public mutating func feed(_ bytes: [UInt8]) {
        var ignored = IgnoredActions()
        feed(bytes, into: &ignored)
    }

    /// Feeds one decoded scalar value.
    @inlinable
    public mutating func step<Actions: TerminalActions>(_ c: UInt32, _ actions: inout Actions) {
        // Anywhere: CAN and SUB cancel, ESC starts anew, C1 controls act as their 7-bit forms.
        switch c {
        case 0x18, 0x1A:
            if state == .osc { actions.oscEnd() } else if state == .ignoredString { actions.stringEnd() }
            state = .ground
            actions.execute(c)
            return
        case 0x1B:
            endString(&actions)
            state = .escape
            escapeIntermediate = 0
            return
        case 0x9C:
            endString(&actions)
            state = .ground
            return
        case 0x9B:
            endString(&actions)
            enterControlSequence()
            return
        case 0x9D:
            endString(&actions)
            enterString(.osc)
            return
        case 0x90, 0x98, 0x9E, 0x9F:
            endString(&actions)
            enterString(.ignoredString)
            return
        case 0x80...0x9A:
            if state == .osc || state == .ignoredString { break }
            state = .ground
            actions.execute(c)
            return
        default:
            break
        }
        switch state {
        case .ground:
            if c < 0x20 { actions.execute(c) } else if c != 0x7F { actions.print(c) }
        case .escape, .escapeIntermediate:
            switch c {
            case ..<0x20: actions.execute(c)
            case 0x20...0x2F:
                escapeIntermediate = c
                state = .escapeIntermediate
            case 0x7F: break
            default:
                // `[`, `]`, `P`, `X`, `^`, `_` right after ESC open a sequence or a string;
                // after an intermediate byte they are final bytes like any other.
                if state == .escape {
                    switch c {
                    case 0x5B: enterControlSequence(); return
                    case 0x5D: enterString(.osc); return
                    case 0x50, 0x58, 0x5E, 0x5F: enterString(.ignoredString); return
                    default: break
                    }
                }
                state = .ground
                actions.escape(final: c, intermediate: escapeIntermediate)
            }
        case .csiEntry, .csiParameter, .csiIntermediate:
            let inParameters = state != .csiIntermediate
            switch c {
            case ..<0x20: actions.execute(c)
            case 0x30...0x39 where inParameters:
                current = min((current ?? 0) * 10 + Int(c - 0x30), ControlSequence.maxParameterValue)
                state = .csiParameter
            case 0x3A...0x3B where inParameters:
                if sequence.parameters.count < ControlSequence.maxParameters { sequence.parameters.append(current ?? 0) }
                current = nil
                state = .csiParameter
            case 0x3C...0x3F where state == .csiEntry:
                sequence.privateMarker = c
                state = .csiParameter
            case 0x20...0x2F:
                sequence.intermediate = c
                state = .csiIntermediate
            case 0x40...0x7E:
                if let current, sequence.parameters.count < ControlSequence.maxParameters { sequence.parameters.append(current) }
                sequence.final = c
                state = .ground
                actions.controlSequence(sequence)
            case 0x7F: break
            default:
                state = .csiIgnore
            }
        case .csiIgnore:
            if c < 0x20 { actions.execute(c) } else if (0x40...0x7E).contains(c) { state = .ground }
        case .osc, .ignoredString:
            if state == .osc && c == 0x07 {
                state = .ground
                actions.oscEnd()
                return
            }
            stringBytes += 1
            if let maxStringBytes, stringBytes > maxStringBytes {
                // Taken as garbage: the string ends, and this character is text again.
                endString(&actions)
                state = .ground
                step(c, &actions)
                return
            }
            if state == .osc && c >= 0x20 { actions.oscByte(c) }
        }
    }

    @inlinable
    mutating func enterControlSequence() {
        state = .csiEntry
        sequence.parameters.removeAll(keepingCapacity: true)
        sequence.privateMarker = 0
        sequence.intermediate = 0
        current = nil
    }

    @inlinable
    mutating func enterString(_ kind: State) {
        state = kind
        stringBytes = 0
    }

    @inlinable
    mutating func endString<Actions: TerminalActions>(_ actions: inout Actions) {
        if state == .osc { actions.oscEnd() } else if state == .ignoredString { actions.stringEnd() }
    }

}
