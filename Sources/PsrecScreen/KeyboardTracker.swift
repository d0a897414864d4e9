/// Turns key presses into keyboard-command indicators: one per Enter (Return or KP_Enter) and
/// one per shortcut (a key pressed while Control, Alt or Super is held).
///
/// Keys are X11 keysyms and modifiers X11 core state bits (`Spec/format.md#events`, `key`).
/// Capture tools that only see raw key codes (XInput2 raw events carry no modifier state)
/// pass modifiers 0: the tracker follows the modifier keys itself.
struct KeyboardTracker {
    static let shift: UInt32 = 0x01
    static let control: UInt32 = 0x04
    static let alt: UInt32 = 0x08
    static let superKey: UInt32 = 0x40

    /// Modifier bits of modifier keys currently held.
    private(set) var held: UInt32 = 0
    /// Text typed since the last Enter (kept only when text is recorded).
    private(set) var line: String = ""
    /// Whether the typed text is kept and put in Enter's indicator.
    let keepsText: Bool

    init(keepsText: Bool) { self.keepsText = keepsText }

    /// The modifier bit a modifier keysym stands for, or nil for other keys.
    static func modifierBit(_ keysym: UInt32) -> UInt32? {
        switch keysym {
        case 0xFFE1, 0xFFE2: shift
        case 0xFFE3, 0xFFE4: control
        case 0xFFE7, 0xFFE8, 0xFFE9, 0xFFEA: alt
        case 0xFFEB, 0xFFEC: superKey
        case 0xFFE5, 0xFFE6, 0xFE03: 0
        default: nil
        }
    }

    /// Follows a key and returns the command indicator text it makes, if any.
    mutating func key(keysym: UInt32, modifiers: UInt32, down: Bool) -> String? {
        if let bit = Self.modifierBit(keysym) {
            if down { held |= bit } else { held &= ~bit }
            return nil
        }
        guard down else { return nil }
        let mods = modifiers | held
        if mods & (Self.control | Self.alt | Self.superKey) != 0 {
            return Self.shortcutName(keysym: keysym, modifiers: mods)
        }
        switch keysym {
        case 0xFF0D, 0xFF8D:
            defer { line = "" }
            return keepsText ? line : ""
        case 0xFF08:
            if keepsText, !line.isEmpty { line.removeLast() }
        default:
            if keepsText, line.utf8.count < 1024, let scalar = Self.character(keysym) { line.unicodeScalars.append(scalar) }
        }
        return nil
    }

    /// The modifiers to record with a key event: the caller's plus those tracked.
    func effectiveModifiers(_ modifiers: UInt32) -> UInt32 { modifiers | held }

    /// The character a keysym types: Latin-1 keysyms are their code point, Unicode keysyms
    /// are 0x01000000 plus the code point (X11 keysymdef.h).
    static func character(_ keysym: UInt32) -> Unicode.Scalar? {
        switch keysym {
        case 0x20...0x7E, 0xA0...0xFF: Unicode.Scalar(keysym)
        case 0x0100_0020...0x0110_FFFF: Unicode.Scalar(keysym - 0x0100_0000)
        case 0xFF80: " "
        case 0xFFAA...0xFFB9: Unicode.Scalar(keysym - 0xFF80)
        default: nil
        }
    }

    /// A readable name such as `Ctrl+Alt+Delete` or `Ctrl+C`.
    static func shortcutName(keysym: UInt32, modifiers: UInt32) -> String {
        var parts: [String] = []
        if modifiers & control != 0 { parts.append("Ctrl") }
        if modifiers & alt != 0 { parts.append("Alt") }
        if modifiers & superKey != 0 { parts.append("Super") }
        if modifiers & shift != 0 { parts.append("Shift") }
        parts.append(keyName(keysym))
        return parts.joined(separator: "+")
    }

    static func keyName(_ keysym: UInt32) -> String {
        let named: [UInt32: String] = [
            0xFF08: "BackSpace", 0xFF09: "Tab", 0xFF0D: "Return", 0xFF1B: "Escape", 0xFFFF: "Delete",
            0xFF50: "Home", 0xFF51: "Left", 0xFF52: "Up", 0xFF53: "Right", 0xFF54: "Down",
            0xFF55: "Page_Up", 0xFF56: "Page_Down", 0xFF57: "End", 0xFF63: "Insert", 0xFF8D: "KP_Enter",
            0x20: "space", 0xFF61: "Print",
        ]
        if let name = named[keysym] { return name }
        if (0xFFBE...0xFFC9).contains(keysym) { return "F\(keysym - 0xFFBE + 1)" }
        if (0x21...0x7E).contains(keysym), let scalar = Unicode.Scalar(keysym) {
            return String(Character(scalar)).uppercased()
        }
        return "0x" + String(keysym, radix: 16)
    }
}
