public import PsrecFormat
internal import PsrecTerminal

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
    /// Keys and mouse reports as psrec's one terminal parser reads a terminal's input
    /// (`PsrecTerminal.TerminalParser(readsInput: true)`): sequences split across reads are whole.
    private var parser = TerminalParser(readsInput: true)
    private var line = Line()
    /// Bytes of the secret being typed, not yet reported.
    private var secretCount = 0

    /// Creates an interpreter.
    public init(recordText: Bool) { self.recordText = recordText }

    /// The events for `bytes` typed while the terminal is (or is not) in a secret state.
    public mutating func interpret(_ bytes: [UInt8], secret: Bool) -> [Event] {
        if secret {
            // Nothing typed at a password prompt may reach the file, nor the command line.
            line.bytes.removeAll()
            parser.reset()
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
        line.recordText = recordText
        line.events.removeAll(keepingCapacity: true)
        parser.feed(Array(bytes), into: &line)
        events += line.events
        return events
    }

    /// Ends the secret being typed, if any: its one redaction (only when recording text).
    public mutating func finish() -> Event? {
        defer { secretCount = 0 }
        return recordText && secretCount > 0 ? .redactedInput(count: secretCount) : nil
    }

    /// The line being typed, edited as a shell's line editor would, and the events the keys make.
    private struct Line: TerminalActions, Sendable {
        var bytes: [UInt8] = []
        var recordText = false
        var events: [Event] = []
        static let maxBytes = 65_536

        mutating func printASCII(_ run: UnsafeRawBufferPointer) {
            bytes.append(contentsOf: run.prefix(max(0, Self.maxBytes - bytes.count)))
        }

        mutating func print(_ scalar: UInt32) {
            guard bytes.count < Self.maxBytes, let scalar = Unicode.Scalar(scalar) else { return }
            bytes.append(contentsOf: String(Character(scalar)).utf8)
        }

        /// A function or cursor key (`ESC O A`): no text.
        mutating func singleShift(_ shift: UInt32, _ scalar: UInt32) {}

        mutating func execute(_ control: UInt32) {
            switch control {
            case 0x0D, 0x0A:
                events.append(.command(recordText ? String(decoding: bytes, as: UTF8.self) : ""))
                bytes.removeAll()
            case 0x7F, 0x08: // DEL, BS: the last character
                while let last = bytes.popLast(), last & 0xC0 == 0x80 {}
            case 0x15, 0x03: bytes.removeAll() // Ctrl-U, Ctrl-C
            case 0x17: // Ctrl-W: the last word
                while bytes.last == 0x20 { bytes.removeLast() }
                while let last = bytes.last, last != 0x20 { bytes.removeLast() }
            case 0x09: if bytes.count < Self.maxBytes { bytes.append(0x09) }
            default: break
            }
        }

        mutating func controlSequence(_ sequence: ControlSequence) {
            // SGR 1006 mouse: CSI < b ; x ; y M (press) or m (release).
            guard sequence.privateMarker == 0x3C, sequence.final == 0x4D, sequence.parameters.count == 3 else { return }
            let p = sequence.parameters
            if let event = InputInterpreter.click(code: p[0], x: p[1] - 1, y: p[2] - 1) { events.append(event) }
        }

        mutating func mouseReport(button: UInt8, x: UInt8, y: UInt8) {
            let b = Int(button) - 32
            // In X10 encoding a release is button bits 3 and carries no button number.
            if b >= 0, b & 3 != 3, let event = InputInterpreter.click(code: b, x: Int(x) - 33, y: Int(y) - 33) { events.append(event) }
        }
    }

    /// A click for a press (not motion) with xterm's button code.
    static func click(code: Int, x: Int, y: Int) -> Event? {
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
}
