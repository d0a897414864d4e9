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
/// looked for in what the program wrote (`SecretDetector`'s echo evidence).
/// Sequences split across writes are followed: the state carries over between calls.
struct ScreenModes: Sendable {
    private(set) var alternateScreen = false
    private(set) var applicationCursorKeys = false
    private(set) var applicationKeypad = false
    private(set) var mouseReporting = false
    private var state: State = .ground
    /// Parameter bytes of the control sequence being read (a few: longer ones are no mode change).
    private var params: [UInt8] = []

    enum State: Sendable, Equatable {
        case ground
        case escape
        case csi
        /// An OSC, DCS, PM or APC string, up to BEL or ST; `escape` right after its ESC.
        case string(escape: Bool)
    }

    /// True while a full-screen program holds the terminal.
    var isFullScreen: Bool { alternateScreen || applicationCursorKeys || applicationKeypad || mouseReporting }

    /// Follows `bytes`; with `collectText`, returns their printable text (no control bytes,
    /// no sequences), else nothing. Plain text is skipped at `memchr` speed when no text is
    /// wanted: the relay loop calls this for every read of output.
    mutating func feed(_ bytes: [UInt8], collectText: Bool = true) -> [UInt8] {
        var text: [UInt8] = []
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            var index = 0
            while index < buffer.count {
                if state == .ground && !collectText {
                    guard let escape = memchr(base + index, 0x1B, buffer.count - index) else { return }
                    index = UnsafePointer(escape.assumingMemoryBound(to: UInt8.self)) - base
                }
                step(buffer[index], into: &text)
                index += 1
            }
        }
        return text
    }

    private mutating func step(_ byte: UInt8, into text: inout [UInt8]) {
        switch state {
        case .ground:
            if byte == 0x1B { state = .escape } else if byte >= 0x20 && byte != 0x7F { text.append(byte) }
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi; params.removeAll(keepingCapacity: true)
            case UInt8(ascii: "]"), UInt8(ascii: "P"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "X"): state = .string(escape: false)
            case UInt8(ascii: "="): applicationKeypad = true; state = .ground
            case UInt8(ascii: ">"): applicationKeypad = false; state = .ground
            case UInt8(ascii: "c"):
                alternateScreen = false; applicationCursorKeys = false; applicationKeypad = false; mouseReporting = false
                state = .ground
            case 0x20...0x2F: break              // intermediate bytes (ESC ( B …): wait for the final one
            default: state = .ground
            }
        case .csi:
            if (0x40...0x7E).contains(byte) {
                state = .ground
                if byte == UInt8(ascii: "h") || byte == UInt8(ascii: "l") { privateMode(set: byte == UInt8(ascii: "h")) }
            } else if byte == 0x1B {
                state = .escape                  // an interrupted sequence
            } else if params.count < 64 {
                params.append(byte)
            }
        case .string(let escape):
            if byte == 0x07 || (escape && byte == UInt8(ascii: "\\")) { state = .ground } else { state = .string(escape: byte == 0x1B) }
        }
    }

    private mutating func privateMode(set: Bool) {
        guard params.first == UInt8(ascii: "?"), params.count < 64 else { return }
        for field in params.dropFirst().split(separator: UInt8(ascii: ";")) {
            switch String(decoding: field, as: UTF8.self) {
            case "1": applicationCursorKeys = set
            case "47", "1047", "1049": alternateScreen = set
            case "9", "1000", "1002", "1003": mouseReporting = set
            default: break
            }
        }
    }
}
