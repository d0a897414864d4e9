public import PsrecFormat

/// Turns the bytes a person types into the events a recording keeps: input (or a
/// redaction), keyboard-command indicators and mouse-click indicators.
///
/// - A command indicator is emitted at every Enter (CR or LF) outside password prompts; it
///   carries the typed line when input recording is on, else no text.
/// - A click indicator is emitted for every mouse button press reported by the terminal in
///   xterm's X10 (`ESC [ M b x y`) or SGR 1006 (`ESC [ < b ; x ; y M`) encoding, at 0-based
///   cell coordinates.
/// - Bytes typed into a secret (`SecretDetector` decides which) never reach the file, nor the
///   command line, and Enter submits no command. With `recordText`, a secret leaves one
///   `redactedInput` event with its byte count when it ends (at its Enter, at the next ordinary
///   input, or at `finish()`), so the file keeps neither its bytes nor the rhythm of its keys;
///   without `recordText`, it leaves nothing at all (no length either).
///
/// Escape sequences split across reads are handled: the state carries over between calls.
public struct InputInterpreter: Sendable {
    /// Record typed bytes and command text.
    public var recordText: Bool
    private var line: [UInt8] = []
    private var state: State = .ground
    /// Bytes of the secret being typed, not yet reported.
    private var secretCount = 0

    enum State: Sendable, Equatable {
        case ground
        case escape
        case ss3
        case csi([UInt8])
        case x10([UInt8])
    }

    /// Creates an interpreter.
    public init(recordText: Bool) { self.recordText = recordText }

    /// The events for `bytes` typed while the terminal is (or is not) in a secret state.
    public mutating func interpret(_ bytes: [UInt8], secret: Bool) -> [Event] {
        if secret {
            // Nothing typed at a password prompt may reach the file, nor the command line.
            line.removeAll()
            state = .ground
            var events: [Event] = []
            for byte in bytes {
                secretCount += 1
                if byte == 0x0D || byte == 0x0A, let event = finish() { events.append(event) }
            }
            return events
        }
        var bytes = bytes[...]
        // An Enter right after a secret's keys submits the secret (decided ordinary only because
        // it carries no text): it belongs to the secret, and is no command.
        if secretCount > 0, let first = bytes.first, first == 0x0D || first == 0x0A {
            secretCount += 1
            bytes = bytes.dropFirst()
        }
        var events: [Event] = []
        if let event = finish() { events.append(event) }
        if recordText && !bytes.isEmpty { events.append(.input(Array(bytes))) }
        for byte in bytes {
            if let event = feed(byte) { events.append(event) }
        }
        return events
    }

    /// Ends the secret being typed, if any: its one redaction (only when recording text).
    public mutating func finish() -> Event? {
        defer { secretCount = 0 }
        return recordText && secretCount > 0 ? .redactedInput(count: secretCount) : nil
    }

    private mutating func feed(_ byte: UInt8) -> Event? {
        switch state {
        case .ground:
            switch byte {
            case 0x1B: state = .escape
            case 0x0D, 0x0A:
                let text = recordText ? String(decoding: line, as: UTF8.self) : ""
                line.removeAll()
                return .command(text)
            case 0x7F, 0x08: dropLastCharacter()
            case 0x15, 0x03: line.removeAll()           // Ctrl-U, Ctrl-C
            case 0x17: dropLastWord()                    // Ctrl-W
            case 0x20...0x7E, 0x80...0xFF: if line.count < 65_536 { line.append(byte) }
            case 0x09: if line.count < 65_536 { line.append(byte) }
            default: break
            }
        case .escape:
            switch byte {
            case UInt8(ascii: "["): state = .csi([])
            case UInt8(ascii: "O"): state = .ss3
            default: state = .ground
            }
        case .ss3:
            state = .ground
        case .csi(var params):
            if params.isEmpty && byte == UInt8(ascii: "M") {
                state = .x10([])
            } else if (0x40...0x7E).contains(byte) {
                state = .ground
                if params.first == UInt8(ascii: "<") && (byte == UInt8(ascii: "M") || byte == UInt8(ascii: "m")) {
                    return sgrClick(Array(params.dropFirst()), press: byte == UInt8(ascii: "M"))
                }
            } else if params.count < 32 {
                params.append(byte)
                state = .csi(params)
            } else {
                state = .ground
            }
        case .x10(var collected):
            collected.append(byte)
            if collected.count < 3 {
                state = .x10(collected)
            } else {
                state = .ground
                let b = Int(collected[0]) - 32, x = Int(collected[1]) - 33, y = Int(collected[2]) - 33
                // In X10 encoding a release is button bits 3 and carries no button number.
                if b >= 0, b & 3 != 3 { return click(code: b, x: x, y: y) }
            }
        }
        return nil
    }

    private func sgrClick(_ params: [UInt8], press: Bool) -> Event? {
        let fields = params.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard press, fields.count == 3,
              let b = Int(String(decoding: fields[0], as: UTF8.self)),
              let x = Int(String(decoding: fields[1], as: UTF8.self)),
              let y = Int(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return click(code: b, x: x - 1, y: y - 1)
    }

    /// A click for a press (not motion) with xterm's button code.
    private func click(code: Int, x: Int, y: Int) -> Event? {
        guard code & 32 == 0, x >= 0, y >= 0, x <= Limits.maxScreenDimension * 16, y <= Limits.maxScreenDimension * 16 else { return nil }
        let low = code & 3
        let button: UInt8
        if code & 64 != 0 {
            button = UInt8(4 + low)          // wheel up 4, down 5 (X11 numbering)
        } else if code & 128 != 0 {
            button = UInt8(8 + low)          // extra buttons 8-11
        } else {
            button = UInt8(1 + low)          // left 1, middle 2, right 3
        }
        return .click(x: x, y: y, button: button)
    }

    private mutating func dropLastCharacter() {
        while let last = line.popLast(), last & 0xC0 == 0x80 {}
    }

    private mutating func dropLastWord() {
        while line.last == 0x20 { line.removeLast() }
        while let last = line.last, last != 0x20 { line.removeLast() }
    }
}
