/// Turns recorded terminal output into the plain text a person saw, for full-text search.
///
/// Escape sequences are removed: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \`),
/// DCS, SOS, PM and APC strings (up to `ESC \`), and other `ESC` sequences. Cursor movements
/// become a space so that words a program placed apart stay apart; carriage returns and
/// form feeds become line breaks; a backspace removes the character before it; other control
/// characters are dropped. The state carries across calls, so a sequence split between two
/// events or chunks is still removed, and a UTF-8 character split between two flushes is
/// kept whole.
///
/// This is a filter, not a terminal emulator: text that a program overwrote in place is
/// kept, which is what a search should find anyway.
public struct TerminalText {
    private enum State {
        case text
        case escape
        case escapeIntermediate
        case csi
        case string          // OSC, DCS, SOS, PM, APC body
        case stringEscape    // ESC seen inside a string: `\` ends it
    }

    private var state = State.text
    private var stringLength = 0
    /// Longer OSC/DCS strings are taken as garbage and the text after them is kept.
    private static let maxStringLength = 8192
    private var pending: [UInt8] = []
    /// True right after a carriage return, so that CR LF makes one line break.
    private var afterCarriageReturn = false

    /// Creates an extractor in the ground state.
    public init() {}

    /// Number of bytes of text collected and not yet taken.
    public var count: Int { pending.count }

    /// Feeds output bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var i = 0
        while i < bytes.count {
            // Runs of plain text (most of any output) are copied whole, not byte by byte.
            if state == .text {
                var end = i
                while end < bytes.count, bytes[end] >= 0x20, bytes[end] != 0x7F { end += 1 }
                if end > i {
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                    afterCarriageReturn = false
                    i = end
                    continue
                }
            }
            step(bytes[i])
            i += 1
        }
    }

    /// Feeds output bytes.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Takes the text collected so far. An incomplete UTF-8 character at the end stays for
    /// the next call, unless `final` is true.
    public mutating func take(final: Bool = false) -> String {
        var end = pending.count
        if !final {
            // Keep back the start of a multi-byte character whose continuation bytes have not arrived.
            var i = pending.count - 1
            var continuation = 0
            while i >= 0 && continuation < 3 && pending[i] & 0xC0 == 0x80 { i -= 1; continuation += 1 }
            if i >= 0 {
                let lead = pending[i]
                let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
                if needed > continuation { end = i }
            }
        }
        let text = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeSubrange(..<end)
        return text
    }

    private mutating func step(_ byte: UInt8) {
        let carriageReturn = afterCarriageReturn
        afterCarriageReturn = false
        switch state {
        case .text:
            switch byte {
            case 0x1B: state = .escape
            case 0x0A: if !carriageReturn { pending.append(0x0A) }
            case 0x0D:
                newline()
                afterCarriageReturn = true
            case 0x0C, 0x0B: newline()
            case 0x09: space()
            case 0x08: backspace()
            case 0..<0x20, 0x7F: break
            default: pending.append(byte)
            }
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "X"), UInt8(ascii: "^"), UInt8(ascii: "_"):
                state = .string
                stringLength = 0
            case 0x20...0x2F: state = .escapeIntermediate
            case 0x1B: state = .escape
            default: state = .text
            }
        case .escapeIntermediate:
            if !(0x20...0x2F).contains(byte) { state = .text }
        case .csi:
            if (0x40...0x7E).contains(byte) {
                // Cursor movements and positioning separate what they move between.
                if "ABCDEFGHfdJ".utf8.contains(byte) { space() }
                state = .text
            } else if byte == 0x1B {
                state = .escape
            }
        case .string:
            stringLength += 1
            if byte == 0x07 || stringLength > Self.maxStringLength { state = .text } else if byte == 0x1B { state = .stringEscape }
        case .stringEscape:
            // ESC \ ends the string; ESC and anything else ends it too and starts a new sequence.
            state = .escape
            if byte == UInt8(ascii: "\\") { state = .text } else { step(byte) }
        }
    }

    private mutating func space() {
        if let last = pending.last, last != 0x20, last != 0x0A { pending.append(0x20) }
    }

    private mutating func newline() {
        if let last = pending.last, last != 0x0A { pending.append(0x0A) }
    }

    private mutating func backspace() {
        while let last = pending.last, last & 0xC0 == 0x80 { pending.removeLast() }
        if let last = pending.last, last != 0x0A { pending.removeLast() }
    }
}
