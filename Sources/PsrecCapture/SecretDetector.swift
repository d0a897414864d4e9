#if canImport(Glibc)
import Glibc
#endif

/// Decides which typed bytes are secrets (passwords), from the session's terminal modes and
/// from what the program writes back.
///
/// The rule, by the terminal's modes when the bytes are typed:
///
/// | echo | canonical | full screen | typed bytes are |
/// |------|-----------|-------------|-----------------|
/// | on   | any       | any         | ordinary: the terminal itself shows them |
/// | off  | on        | any         | secret: `getpass`, `read -s`, `passwd` |
/// | off  | off       | yes         | ordinary: vim, less, top (`ScreenModes`) |
/// | off  | off       | no          | held until the program shows whether it echoes them |
///
/// The last row is both a line editor (bash's readline, which turns echo and canonical mode
/// off and draws what is typed itself) and a raw-mode password prompt (sudo with
/// `pwfeedback`, which prints `*` instead, and hand-rolled prompts, which print nothing). What
/// tells them apart is the echo. Held bytes are cut into lines at each Enter; a line is
/// ordinary once the program's output text (escape sequences left out) written since its
/// first key contains all of the line's printable keys, contiguous and in order. A line that
/// is not shown is a secret: when `holdMicros` pass, when a later line is shown first, or when
/// the terminal leaves that mode. Never part of a line: a coincidental match of a few keys in
/// unrelated output must not release a password's first characters.
///
/// A line wrapped at the right margin is still one contiguous echo: in a single-byte locale
/// readline forces the wrap by writing the next line's first character, goes back with a
/// carriage return and writes that character again (`len(\r(s)`), so a character, CR and the
/// same character count as that character once.
///
/// Keys typed ahead into a line editor and read later by `read -s` are never echoed, so they
/// end up secret too, whatever mode reads them. The error is on the safe side: input echoed
/// late (more than `holdMicros`), never (readline's vi command mode) or not contiguously
/// (insertions in the middle of a line) is withheld; its echo stays in the recorded output.
///
/// Decisions come out in the order the bytes were typed.
struct SecretDetector: Sendable {
    /// How long typed bytes are held waiting for their echo.
    /// Three seconds: under load (a busy 2-core CI machine running many sessions) a shell's
    /// echo of a typed command line was seen arrive more than one second late.
    static let holdMicros: Int64 = 3_000_000

    /// Bytes and whether they are a secret, in the order they were typed.
    struct Decision: Sendable, Equatable {
        var bytes: [UInt8]
        var secret: Bool
    }

    private(set) var modes = ScreenModes()
    /// Held lines, oldest first; only the last may still lack its Enter.
    private var held: [HeldLine] = []

    struct HeldLine: Sendable {
        var bytes: [UInt8]
        var sinceMicros: Int64
        /// Output text written since the line's first key: evidence bytes, spaces and carriage
        /// returns (see `joiningWraps`). Bounded: a line whose echo is not in the first
        /// `seenLimit` bytes counts as not shown.
        var seen: [UInt8] = []
        var ended: Bool

        static let seenLimit = 4_096

        var isShown: Bool {
            let evidence = SecretDetector.evidence(bytes)
            guard !evidence.isEmpty else { return true }
            let seen = SecretDetector.joiningWraps(self.seen)
            guard seen.count >= evidence.count else { return false }
            return seen.withUnsafeBufferPointer { text in
                evidence.withUnsafeBufferPointer { keys in
                    (0...(text.count - keys.count)).contains { start in
                        text[start] == keys[0] && memcmp(text.baseAddress! + start, keys.baseAddress!, keys.count) == 0
                    }
                }
            }
        }
    }

    /// True while typed bytes wait for their echo (the recorder then polls more often).
    var isHolding: Bool { !held.isEmpty }

    /// Bytes the program's echo is looked for: printable ones but the space (prompts and
    /// redraws are full of spaces, `*` feedback is not the typed byte).
    static func isEvidence(_ byte: UInt8) -> Bool { byte > 0x20 && byte != 0x7F }

    /// The evidence bytes of output `text` (evidence bytes, spaces and carriage returns),
    /// with a byte written both just before a CR and just after it kept once: readline's
    /// redraw at the right margin in a single-byte locale.
    static func joiningWraps(_ text: [UInt8]) -> [UInt8] {
        var joined: [UInt8] = []
        joined.reserveCapacity(text.count)
        var lastWritten: UInt8?
        var returned = false
        var beforeReturn: UInt8?
        for byte in text {
            if byte == 0x0D {
                if !returned { beforeReturn = lastWritten }
                returned = true
                continue
            }
            let repeated = returned && beforeReturn == byte
            returned = false
            beforeReturn = nil
            lastWritten = byte
            if !repeated && isEvidence(byte) { joined.append(byte) }
        }
        return joined
    }

    /// The evidence bytes of typed `bytes`, escape sequences left out: arrow keys and the
    /// terminal's own answers (cursor position reports) are never echoed, and hold no secret.
    static func evidence(_ bytes: [UInt8]) -> [UInt8] {
        var keys: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == 0x1B else {
                if isEvidence(byte) { keys.append(byte) }
                continue
            }
            guard index < bytes.count else { break }
            let kind = bytes[index]
            index += 1
            if kind == UInt8(ascii: "[") {
                while index < bytes.count, !(0x40...0x7E).contains(bytes[index]) { index += 1 }
                index += 1
            } else if kind == UInt8(ascii: "O") {
                index += 1
            }
        }
        return keys
    }

    /// Held lines beyond this many are settled, oldest first (a paste into a silent program
    /// must not make every output read compare against thousands of lines).
    static let maxHeldLines = 64

    /// The decisions for `bytes` typed while the terminal has `echo` and `canonical` set.
    mutating func typed(_ bytes: [UInt8], echo: Bool, canonical: Bool, nowMicros: Int64) -> [Decision] {
        guard !bytes.isEmpty else { return [] }
        if !echo && !canonical && !modes.isFullScreen {
            // Keys without text (Enter, arrows, Ctrl-C) carry no secret: no need to wait.
            if held.isEmpty && Self.evidence(bytes).isEmpty { return [Decision(bytes: bytes, secret: false)] }
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex { $0 == 0x0D || $0 == 0x0A }.map { $0 + 1 } ?? bytes.count
                let piece = bytes[start..<end]
                let ended = piece.last == 0x0D || piece.last == 0x0A
                if let last = held.indices.last, !held[last].ended {
                    held[last].bytes += piece
                    held[last].ended = ended
                } else {
                    held.append(HeldLine(bytes: Array(piece), sinceMicros: nowMicros, ended: ended))
                }
                start = end
            }
            return held.count > Self.maxHeldLines ? release(through: held.count - Self.maxHeldLines - 1) : []
        }
        return settle() + [Decision(bytes: bytes, secret: !echo && canonical)]
    }

    /// Follows the program's output; releases held lines up to the last one shown (those
    /// before it that are not shown are secrets).
    mutating func output(_ bytes: [UInt8]) -> [Decision] {
        bytes.withUnsafeBytes { output($0) }
    }

    /// Follows output straight from a read buffer; see `output(_:)` taking an array.
    mutating func output(_ bytes: UnsafeRawBufferPointer) -> [Decision] {
        let collect = !held.isEmpty
        let fed = modes.feed(bytes, collectText: collect)
        guard collect else { return [] }
        let text = fed.filter { Self.isEvidence($0) || $0 == 0x0D || $0 == 0x20 }
        guard !text.isEmpty else { return [] }
        for index in held.indices where held[index].seen.count < HeldLine.seenLimit {
            held[index].seen += text.prefix(HeldLine.seenLimit - held[index].seen.count)
        }
        guard let last = held.lastIndex(where: \.isShown) else { return [] }
        return release(through: last)
    }

    /// Settles held lines whose time is up.
    mutating func tick(nowMicros: Int64) -> [Decision] {
        guard let last = held.lastIndex(where: { nowMicros - $0.sinceMicros >= Self.holdMicros }) else { return [] }
        return release(through: last)
    }

    /// Settles every held line now.
    mutating func settle() -> [Decision] {
        held.isEmpty ? [] : release(through: held.count - 1)
    }

    private mutating func release(through last: Int) -> [Decision] {
        let decisions = held[...last].map { Decision(bytes: $0.bytes, secret: !$0.isShown) }
        held.removeFirst(last + 1)
        return decisions
    }
}
