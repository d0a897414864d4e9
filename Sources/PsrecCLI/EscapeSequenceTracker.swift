/// Follows the escape-sequence state of a byte stream sent to a terminal, to tell when the
/// player may insert sequences of its own.
///
/// Recorded output is often cut in the middle of a sequence (`ESC [ 3` in one event,
/// `2 m` in the next) or of a UTF-8 character. A status written at such a moment would
/// abort the recorded sequence (a terminal treats `ESC` inside a sequence as the start of a
/// new one) and leave its tail printed as text. The player writes its own sequences only
/// when `isAtBoundary` holds. States follow the DEC/ECMA-48 parser (vt100.net/emu/dec_ansi_parser).
struct EscapeSequenceTracker {
    enum State {
        case ground
        /// After `ESC`, possibly with intermediate bytes.
        case escape
        /// Inside `ESC [` … final byte.
        case controlSequence
        /// Inside OSC, DCS, SOS, PM or APC, up to BEL or `ESC \` (the `ESC` of which, as
        /// any `ESC`, ends the string and starts an escape sequence).
        case string
    }

    private(set) var state = State.ground
    /// UTF-8 continuation bytes still expected.
    private(set) var pendingContinuation = 0

    /// True between complete sequences and characters.
    var isAtBoundary: Bool { state == .ground && pendingContinuation == 0 }

    mutating func feed(_ bytes: [UInt8]) {
        for byte in bytes { feed(byte) }
    }

    mutating func feed(_ byte: UInt8) {
        // CAN and SUB cancel any sequence.
        if byte == 0x18 || byte == 0x1A {
            state = .ground
            pendingContinuation = 0
            return
        }
        switch state {
        case .ground:
            if pendingContinuation > 0 {
                if byte & 0xC0 == 0x80 { pendingContinuation -= 1; return }
                pendingContinuation = 0
            }
            switch byte {
            case 0x1B: state = .escape
            case 0xC2...0xDF: pendingContinuation = 1
            case 0xE0...0xEF: pendingContinuation = 2
            case 0xF0...0xF4: pendingContinuation = 3
            default: break
            }
        case .escape:
            switch byte {
            case 0x5B: state = .controlSequence                            // [
            case 0x5D, 0x50, 0x58, 0x5E, 0x5F: state = .string             // ] P X ^ _
            case 0x1B: state = .escape
            case 0x20...0x2F, 0x00...0x17, 0x19, 0x1C...0x1F: break       // intermediates, C0 executed
            default: state = .ground                                       // final byte
            }
        case .controlSequence:
            switch byte {
            case 0x40...0x7E: state = .ground
            case 0x1B: state = .escape
            default: break
            }
        case .string:
            switch byte {
            case 0x07: state = .ground
            case 0x1B: state = .escape
            default: break
            }
        }
    }

    /// Forgets all state (after the player reset the terminal).
    mutating func reset() {
        state = .ground
        pendingContinuation = 0
    }
}
