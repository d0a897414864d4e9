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
        /// After SS2 or SS3 (`ESC N`, `ESC O`): the next character is shifted.
        case singleShift
        /// After `CSI M` in an input stream: three raw bytes of an X10 mouse report.
        case mouseReport
    }

    @usableFromInline var state = State.ground
    @usableFromInline var decoder = UTF8StreamDecoder()
    @usableFromInline var sequence = ControlSequence()
    @usableFromInline var current: Int?
    /// The separator before `current` was a colon.
    @usableFromInline var afterColon = false
    @usableFromInline var escapeIntermediate: UInt32 = 0
    @usableFromInline var stringBytes = 0
    @usableFromInline var shift: UInt32 = 0
    @usableFromInline var report: (UInt8, UInt8, UInt8) = (0, 0, 0)
    @usableFromInline var reportCount = 0
    /// True for the bytes a terminal sends (keys, mouse): xterm's X10 mouse report
    /// `CSI M b x y` is followed by three raw bytes that are neither UTF-8 nor ECMA-48, and
    /// is handed over whole (`TerminalActions.mouseReport`).
    public let readsInput: Bool
    /// When set, a string (OSC, DCS…) longer than this many bytes is taken as garbage and
    /// the parser returns to ground, so that a stray `ESC ]` does not swallow the rest of a
    /// session's text. A terminal has no such limit; the screen emulator sets none.
    public var maxStringBytes: Int?

    /// - Parameters:
    ///   - maxStringBytes: see `maxStringBytes`.
    ///   - readsInput: the stream is what a terminal sends, not what it shows (`readsInput`).
    public init(maxStringBytes: Int? = nil, readsInput: Bool = false) {
        self.maxStringBytes = maxStringBytes
        self.readsInput = readsInput
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
            if state == .mouseReport {
                takeReportByte(byte, &actions)
                continue
            }
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

    /// Ends the stream: a character left incomplete is handed over as U+FFFD.
    @inlinable
    public mutating func finish<Actions: TerminalActions>(into actions: inout Actions) {
        var last: UInt32?
        decoder.finish { last = $0 }
        if let last { step(last, &actions) }
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
            if c == 0x8E || c == 0x8F {
                shift = c == 0x8E ? 2 : 3
                state = .singleShift
                return
            }
            state = .ground
            actions.execute(c)
            return
        default:
            break
        }
        switch state {
        case .ground:
            // DEL is no character; it is handed over as a control (the key that erases).
            if c < 0x20 || c == 0x7F { actions.execute(c) } else { actions.print(c) }
        case .singleShift:
            if c < 0x20 || c == 0x7F {
                actions.execute(c)
            } else {
                state = .ground
                actions.singleShift(shift, c)
            }
        case .mouseReport:
            break
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
                    case 0x4E, 0x4F: // N O: SS2, SS3
                        shift = c == 0x4E ? 2 : 3
                        state = .singleShift
                        return
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
                appendParameter(current ?? 0)
                current = nil
                afterColon = c == 0x3A
                state = .csiParameter
            case 0x3C...0x3F where state == .csiEntry:
                sequence.privateMarker = c
                state = .csiParameter
            case 0x20...0x2F:
                sequence.intermediate = c
                state = .csiIntermediate
            case 0x40...0x7E:
                if readsInput && c == 0x4D && state == .csiEntry {
                    state = .mouseReport
                    reportCount = 0
                    return
                }
                if let current { appendParameter(current) }
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
    mutating func takeReportByte<Actions: TerminalActions>(_ byte: UInt8, _ actions: inout Actions) {
        switch reportCount {
        case 0: report.0 = byte
        case 1: report.1 = byte
        default: report.2 = byte
        }
        reportCount += 1
        if reportCount == 3 {
            state = .ground
            actions.mouseReport(button: report.0, x: report.1, y: report.2)
        }
    }

    @inlinable
    mutating func enterControlSequence() {
        state = .csiEntry
        sequence.parameters.removeAll(keepingCapacity: true)
        sequence.subParameters = 0
        sequence.privateMarker = 0
        sequence.intermediate = 0
        current = nil
        afterColon = false
    }

    @inlinable
    mutating func appendParameter(_ value: Int) {
        guard sequence.parameters.count < ControlSequence.maxParameters else { return }
        if afterColon { sequence.subParameters |= 1 << UInt32(sequence.parameters.count) }
        sequence.parameters.append(value)
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
