internal import PsrecTerminal

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
    /// Longer OSC/DCS strings are taken as garbage and the text after them is kept.
    private static let maxStringLength = 8192
    /// psrec's one terminal parser (`PsrecTerminal.TerminalParser`): the catalog's text
    /// and the screen emulator agree on what is a sequence and what is text.
    private var parser = TerminalParser(maxStringBytes: maxStringLength)
    private var collected = Collected()

    /// Creates an extractor in the ground state.
    public init() {}

    /// Number of bytes of text collected and not yet taken.
    public var count: Int { collected.pending.count }

    /// Feeds output bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        parser.feed(bytes, into: &collected)
    }

    /// Feeds output bytes.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Takes the text collected so far. An incomplete UTF-8 character at the end stays for
    /// the next call (in the parser), unless `final` is true: it is then U+FFFD.
    public mutating func take(final: Bool = false) -> String {
        if final { parser.finish(into: &collected) }
        let text = String(decoding: collected.pending, as: UTF8.self)
        collected.pending.removeAll(keepingCapacity: true)
        return text
    }

    /// The text, as the parser hands it over.
    private struct Collected: TerminalActions {
        var pending: [UInt8] = []
        /// True right after a carriage return, so that CR LF makes one line break.
        var afterCarriageReturn = false

        mutating func printASCII(_ run: UnsafeRawBufferPointer) {
            pending.append(contentsOf: run)
            afterCarriageReturn = false
        }

        mutating func print(_ scalar: UInt32) {
            if let scalar = Unicode.Scalar(scalar) { pending.append(contentsOf: String(Character(scalar)).utf8) }
            afterCarriageReturn = false
        }

        mutating func execute(_ control: UInt32) {
            let carriageReturn = afterCarriageReturn
            afterCarriageReturn = false
            switch control {
            case 0x0A: if !carriageReturn { pending.append(0x0A) }
            case 0x0D:
                newline()
                afterCarriageReturn = true
            case 0x0C, 0x0B, 0x85: newline()
            case 0x09: space()
            case 0x08: backspace()
            default: break
            }
        }

        mutating func escape(final: UInt32, intermediate: UInt32) { afterCarriageReturn = false }

        mutating func controlSequence(_ sequence: ControlSequence) {
            afterCarriageReturn = false
            // Cursor movements and positioning separate what they move between.
            if sequence.intermediate == 0, sequence.privateMarker == 0, "ABCDEFGHfdJ".unicodeScalars.contains(where: { $0.value == sequence.final }) { space() }
        }

        mutating func space() {
            if let last = pending.last, last != 0x20, last != 0x0A { pending.append(0x20) }
        }

        mutating func newline() {
            if let last = pending.last, last != 0x0A { pending.append(0x0A) }
        }

        mutating func backspace() {
            while let last = pending.last, last & 0xC0 == 0x80 { pending.removeLast() }
            if let last = pending.last, last != 0x0A { pending.removeLast() }
        }
    }
}
