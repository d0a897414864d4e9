/// Decoding output bytes into text and control functions (ECMA-48 / xterm), after
/// Paul Williams' DEC parser state diagram, simplified: parameters are kept for CSI only.
extension TerminalScreen {
    struct Parser {
        enum State {
            case ground
            case escape
            /// ESC followed by intermediate bytes (0x20–0x2F), such as `ESC ( B`.
            case escapeIntermediate
            case csi
            /// An OSC string, ended by BEL or ST (`ESC \`).
            case osc
            /// A DCS, SOS, PM or APC string, ended by ST.
            case ignoredString
        }

        var state = State.ground
        var parameters: [Int] = []
        var current: Int?
        var privateMarker: UInt32 = 0
        var intermediate: UInt32 = 0
        /// An ESC seen inside a string: `\` ends it.
        var stringEscape = false

        mutating func resetSequence() {
            parameters.removeAll(keepingCapacity: true)
            current = nil
            privateMarker = 0
            intermediate = 0
        }
    }

    /// Feeds output bytes. Invalid UTF-8 is shown as U+FFFD, like a terminal does; a
    /// sequence split between two calls is joined.
    ///
    /// - Complexity: O(bytes.count) plus the cost of scrolling.
    public func feed(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { feedByte(byte) }
    }

    private func feedByte(_ byte: UInt8) {
        if utf8Pending.isEmpty {
            if byte < 0x80 { process(UInt32(byte)); return }
            if byte >= 0xC2 && byte <= 0xF4 { utf8Pending.append(byte); return }
            process(0xFFFD)
            return
        }
        if byte & 0xC0 != 0x80 {
            utf8Pending.removeAll(keepingCapacity: true)
            process(0xFFFD)
            feedByte(byte)
            return
        }
        utf8Pending.append(byte)
        let lead = utf8Pending[0]
        let needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        if utf8Pending.count == 2 {
            // Overlongs, surrogates and values past U+10FFFF are caught by the second byte.
            let second = utf8Pending[1]
            if (lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F)
                || (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F) {
                utf8Pending.removeAll(keepingCapacity: true)
                process(0xFFFD)
                return
            }
        }
        guard utf8Pending.count == needed else { return }
        var scalar = UInt32(lead) & (needed == 2 ? 0x1F : needed == 3 ? 0x0F : 0x07)
        for continuation in utf8Pending.dropFirst() { scalar = scalar << 6 | UInt32(continuation & 0x3F) }
        utf8Pending.removeAll(keepingCapacity: true)
        process(scalar)
    }

    private func process(_ c: UInt32) {
        switch parser.state {
        case .ground:
            if c < 0x20 || c == 0x7F || (0x80..<0xA0).contains(c) { control(c) } else { printScalar(c) }
        case .escape:
            if c < 0x20 { control(c); return }
            escape(c)
        case .escapeIntermediate:
            if c < 0x20 { control(c); return }
            if (0x20...0x2F).contains(c) { return }
            // The designated character set (ESC ( B and the like) is not emulated.
            parser.state = .ground
        case .csi:
            csi(c)
        case .osc, .ignoredString:
            if parser.stringEscape {
                parser.stringEscape = false
                if c == 0x5C { parser.state = .ground; return }
            }
            if c == 0x1B { parser.stringEscape = true; return }
            if c == 0x07 && parser.state == .osc { parser.state = .ground; return }
            if c == 0x18 || c == 0x1A { parser.state = .ground }
        }
    }

    private func control(_ c: UInt32) {
        switch c {
        case 0x08: backspace()
        case 0x09: tab()
        case 0x0A, 0x0B, 0x0C: lineFeed()
        case 0x0D: x = 0
        case 0x18, 0x1A: parser.state = .ground
        case 0x1B:
            parser.resetSequence()
            parser.state = .escape
        case 0x84: lineFeed()
        case 0x85: x = 0; lineFeed()
        case 0x8D: reverseIndex()
        case 0x9B:
            parser.resetSequence()
            parser.state = .csi
        case 0x9D: parser.state = .osc
        case 0x90, 0x98, 0x9E, 0x9F: parser.state = .ignoredString
        default: break
        }
    }

    private func escape(_ c: UInt32) {
        parser.state = .ground
        switch c {
        case 0x5B: // [
            parser.resetSequence()
            parser.state = .csi
        case 0x5D: parser.state = .osc // ]
        case 0x50, 0x58, 0x5E, 0x5F: parser.state = .ignoredString // P X ^ _
        case 0x20...0x2F: parser.state = .escapeIntermediate
        case 0x37: saveCursor() // 7
        case 0x38: restoreCursor() // 8
        case 0x44: lineFeed() // D
        case 0x45: x = 0; lineFeed() // E
        case 0x4D: reverseIndex() // M
        case 0x63: reset() // c
        default: break
        }
    }

    private func csi(_ c: UInt32) {
        switch c {
        case 0x30...0x39:
            let digit = Int(c - 0x30)
            parser.current = min((parser.current ?? 0) * 10 + digit, 99_999)
        case 0x3B, 0x3A:
            if parser.parameters.count < 32 { parser.parameters.append(parser.current ?? 0) }
            parser.current = nil
        case 0x3C...0x3F:
            if parser.parameters.isEmpty && parser.current == nil { parser.privateMarker = c }
        case 0x20...0x2F:
            parser.intermediate = c
        case 0x40...0x7E:
            if let current = parser.current, parser.parameters.count < 32 { parser.parameters.append(current) }
            parser.state = .ground
            dispatchCSI(final: c)
        case 0x1B:
            parser.resetSequence()
            parser.state = .escape
        case 0x18, 0x1A:
            parser.state = .ground
        case ..<0x20:
            control(c)
        default:
            parser.state = .ground
        }
    }

    /// The `i`th parameter, with 0 or absent meaning `fallback`.
    func parameter(_ i: Int, _ fallback: Int = 1) -> Int {
        guard i < parser.parameters.count, parser.parameters[i] != 0 else { return fallback }
        return parser.parameters[i]
    }

    private func dispatchCSI(final c: UInt32) {
        if parser.intermediate != 0 { return }
        if parser.privateMarker == 0x3F { // ?
            if c == 0x68 || c == 0x6C { for mode in parser.parameters { setPrivateMode(mode, on: c == 0x68) } }
            return
        }
        if parser.privateMarker != 0 { return }
        let n = parameter(0)
        switch c {
        case 0x41: cursorUp(n) // A
        case 0x42, 0x65: cursorDown(n) // B e
        case 0x43, 0x61: x = min(pendingColumn + n, columns - 1) // C a
        case 0x44: x = max(pendingColumn - n, 0) // D
        case 0x45: cursorDown(n); x = 0 // E
        case 0x46: cursorUp(n); x = 0 // F
        case 0x47, 0x60: x = min(n, columns) - 1 // G `
        case 0x48, 0x66: moveTo(row: parameter(0) - 1, column: parameter(1) - 1) // H f
        case 0x64: moveTo(row: n - 1, column: pendingColumn) // d
        case 0x4A: eraseDisplay(parser.parameters.first ?? 0) // J
        case 0x4B: eraseLine(parser.parameters.first ?? 0) // K
        case 0x58: eraseCharacters(n) // X
        case 0x40: insertCharacters(n) // @
        case 0x50: deleteCharacters(n) // P
        case 0x4C: insertLines(n) // L
        case 0x4D: deleteLines(n) // M
        case 0x53: scrollUp(n) // S
        case 0x54: if parser.parameters.count <= 1 { scrollDown(n) } // T (more parameters: mouse tracking)
        case 0x72: setMargins(top: parameter(0), bottom: parameter(1, rows)) // r
        case 0x73: saveCursor() // s
        case 0x75: restoreCursor() // u
        case 0x68, 0x6C: // h l
            if parser.parameters.contains(4) { insertMode = c == 0x68 }
        default: break
        }
    }
}
