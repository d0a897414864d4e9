internal import PsrecTerminal
#if canImport(Glibc)
import Glibc
#endif

/// Follows, in a session's output, the modes that mark a full-screen program: the alternate
/// screen (`CSI ? 1049 h`, `1047`, `47`), application cursor keys (`CSI ? 1 h`) and the
/// application keypad (`ESC =`), and mouse reporting (`CSI ? 1000 h` and its kin). vim and
/// less switch to the alternate screen, top sends `smkx` (cursor keys and keypad), htop and mc
/// ask for the mouse; line editors (bash's readline) and password prompts do none of these.
///
/// Also hands back the output's text, escape sequences left out, so typed bytes can be
/// looked for in what the program wrote (`SecretDetector`'s echo evidence). The output is
/// read by psrec's one terminal parser (`PsrecTerminal.TerminalParser`), so sequences split
/// across writes are followed and CAN, SUB and C1 controls mean what they mean everywhere else.
struct ScreenModes: Sendable {
    /// The modes, as the parser's actions change them.
    struct Modes: Sendable, Equatable {
        var alternateScreen = false
        var applicationCursorKeys = false
        var applicationKeypad = false
        var mouseReporting = false
    }

    private var modes = Modes()
    private var parser = TerminalParser()

    var alternateScreen: Bool { modes.alternateScreen }
    var applicationCursorKeys: Bool { modes.applicationCursorKeys }
    var applicationKeypad: Bool { modes.applicationKeypad }
    var mouseReporting: Bool { modes.mouseReporting }

    /// True while a full-screen program holds the terminal.
    var isFullScreen: Bool { alternateScreen || applicationCursorKeys || applicationKeypad || mouseReporting }

    /// Follows `bytes`; with `collectText`, returns their printable text (no sequences, no
    /// control characters but carriage returns, UTF-8), else nothing. Runs of plain ASCII are handed over
    /// whole by the parser: the relay loop calls this for every read of output.
    mutating func feed(_ bytes: [UInt8], collectText: Bool = true) -> [UInt8] {
        bytes.withUnsafeBytes { feed($0, collectText: collectText) }
    }

    /// Follows `bytes` straight from a read buffer; see `feed(_:collectText:)` taking an array.
    ///
    /// Without `collectText`, only escape sequences and C1 controls can change a mode: the
    /// text between them is skipped (`inertLength`) and the parser is handed what follows
    /// each ESC, `sequenceWindow` bytes at a time until it is back between characters. The
    /// modes and the parser's state come out as from the whole stream.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, collectText: Bool = true) -> [UInt8] {
        var actions = Actions(modes: modes, collectText: collectText)
        if collectText {
            parser.feed(bytes, into: &actions)
        } else {
            var start = 0
            while start < bytes.count {
                if parser.isAtBoundary {
                    start += Self.inertLength(UnsafeRawBufferPointer(rebasing: bytes[start...]))
                    if start == bytes.count { break }
                }
                let end = min(bytes.count, start + Self.sequenceWindow)
                parser.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), into: &actions)
                start = end
            }
        }
        modes = actions.modes
        return actions.text
    }

    /// Bytes handed to the parser at a time from an ESC on: longer than the sequences that set modes.
    static let sequenceWindow = 32

    /// How many leading bytes of `bytes` a parser in the ground state, between characters,
    /// may skip with nothing it would do lost: those up to and including the last ASCII byte
    /// before the first ESC or 0xC2 (the lead byte of U+0080–U+009F, the C1 controls, CSI
    /// among them). They are characters and C0 controls, which open no sequence and change
    /// no mode, and after an ASCII byte the UTF-8 decoder is between characters again.
    static func inertLength(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var stop = bytes.count
        if let escape = memchr(base, 0x1B, stop) { stop = base.distance(to: UnsafeRawPointer(escape)) }
        if let lead = memchr(base, 0xC2, stop) { stop = base.distance(to: UnsafeRawPointer(lead)) }
        var last = stop - 1
        while last >= 0 && bytes[last] >= 0x80 { last -= 1 }
        return last + 1
    }

    private struct Actions: TerminalActions {
        var modes: Modes
        let collectText: Bool
        var text: [UInt8] = []

        mutating func printASCII(_ run: UnsafeRawBufferPointer) {
            if collectText { text.append(contentsOf: run) }
        }

        mutating func print(_ scalar: UInt32) {
            guard collectText, let scalar = Unicode.Scalar(scalar) else { return }
            text.append(contentsOf: String(Character(scalar)).utf8)
        }

        mutating func execute(_ control: UInt32) {
            // A line editor's redraw at the right margin goes back with CR (SecretDetector).
            if collectText && control == 0x0D { text.append(0x0D) }
        }

        mutating func escape(final: UInt32, intermediate: UInt32) {
            guard intermediate == 0 else { return }
            switch final {
            case 0x3D: modes.applicationKeypad = true   // =
            case 0x3E: modes.applicationKeypad = false  // >
            case 0x63: modes = Modes()                  // c: full reset
            default: break
            }
        }

        mutating func controlSequence(_ sequence: ControlSequence) {
            guard sequence.privateMarker == 0x3F, sequence.intermediate == 0,
                  sequence.final == 0x68 || sequence.final == 0x6C else { return }
            let set = sequence.final == 0x68
            for mode in sequence.parameters {
                switch mode {
                case 1: modes.applicationCursorKeys = set
                case 47, 1047, 1049: modes.alternateScreen = set
                case 9, 1000, 1002, 1003: modes.mouseReporting = set
                default: break
                }
            }
        }
    }
}
