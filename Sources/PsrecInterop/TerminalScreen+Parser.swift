internal import PsrecTerminal

/// Output bytes through psrec's one parser (`PsrecTerminal.TerminalParser`), and what the
/// screen does with each character and control function (ECMA-48 / xterm).
extension TerminalScreen {
    /// Feeds output bytes. Invalid UTF-8 is shown as U+FFFD, like a terminal does; a
    /// sequence split between two calls is joined.
    ///
    /// - Complexity: O(bytes.count) plus the cost of scrolling.
    public func feed(_ bytes: some Sequence<UInt8>) {
        var actions = Actions(screen: self)
        let bytes = Array(bytes)
        fedBytes += bytes.count
        parser.feed(bytes, into: &actions)
    }

    /// What the parser finds, applied to the screen.
    struct Actions: TerminalActions {
        unowned let screen: TerminalScreen
        func print(_ scalar: UInt32) { screen.printScalar(scalar) }
        func execute(_ control: UInt32) { screen.execute(control) }
        func escape(final: UInt32, intermediate: UInt32) { screen.escape(final: final, intermediate: intermediate) }
        func controlSequence(_ sequence: ControlSequence) { screen.controlSequence(sequence) }
    }

    func execute(_ c: UInt32) {
        switch c {
        case 0x08: backspace()
        case 0x09: tab()
        case 0x0A, 0x0B, 0x0C, 0x84: lineFeed()
        case 0x0D: x = 0
        case 0x85: x = 0; lineFeed()
        case 0x8D: reverseIndex()
        default: break
        }
    }

    func escape(final c: UInt32, intermediate: UInt32) {
        // The designated character set (ESC ( B and the like) is not emulated.
        guard intermediate == 0 else { return }
        switch c {
        case 0x37: saveCursor() // 7
        case 0x38: restoreCursor() // 8
        case 0x44: lineFeed() // D
        case 0x45: x = 0; lineFeed() // E
        case 0x4D: reverseIndex() // M
        case 0x63: reset() // c
        default: break
        }
    }

    func controlSequence(_ sequence: ControlSequence) {
        if sequence.intermediate != 0 { return }
        let c = sequence.final
        if sequence.privateMarker == 0x3F { // ?
            if c == 0x68 || c == 0x6C { for mode in sequence.parameters { setPrivateMode(mode, on: c == 0x68) } }
            return
        }
        if sequence.privateMarker != 0 { return }
        let n = sequence.parameter(0)
        switch c {
        case 0x41: cursorUp(n) // A
        case 0x42, 0x65: cursorDown(n) // B e
        case 0x43, 0x61: x = min(pendingColumn + n, columns - 1) // C a
        case 0x44: x = max(pendingColumn - n, 0) // D
        case 0x45: cursorDown(n); x = 0 // E
        case 0x46: cursorUp(n); x = 0 // F
        case 0x47, 0x60: x = min(n, columns) - 1 // G `
        case 0x48, 0x66: moveTo(row: sequence.parameter(0) - 1, column: sequence.parameter(1) - 1) // H f
        case 0x64: moveTo(row: n - 1, column: pendingColumn) // d
        case 0x4A: eraseDisplay(sequence.parameters.first ?? 0) // J
        case 0x4B: eraseLine(sequence.parameters.first ?? 0) // K
        case 0x58: eraseCharacters(n) // X
        case 0x40: insertCharacters(n) // @
        case 0x50: deleteCharacters(n) // P
        case 0x4C: insertLines(n) // L
        case 0x4D: deleteLines(n) // M
        case 0x53: scrollUp(n) // S
        case 0x54: if sequence.parameters.count <= 1 { scrollDown(n) } // T (more parameters: mouse tracking)
        case 0x72: setMargins(top: sequence.parameter(0), bottom: sequence.parameter(1, rows)) // r
        case 0x6D: selectGraphicRendition(sequence) // m
        case 0x73: saveCursor() // s
        case 0x75: restoreCursor() // u
        case 0x68, 0x6C: // h l
            if sequence.parameters.contains(4) { insertMode = c == 0x68 }
        default: break
        }
    }
}
