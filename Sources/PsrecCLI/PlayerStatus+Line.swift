import PsrecFormat
import PsrecPlayback

/// The status as `psrec play` shows it in the window title: one line of numbers, fixed
/// words and indicator details passed through `TerminalSafe.escape`, so a recorded command
/// or marker label cannot smuggle a control character into it.
///
/// `psrec playing 1:05 / 12:40 | speed x2 | idle cap 1s | next command at 1:10: ls | keys: space . [ ] + - q`
extension PlayerStatus {
    /// Longest indicator detail shown, in characters (before escaping).
    static let detailCharacters = 40

    /// The status line.
    var line: String {
        var parts: [String] = []
        parts.append("psrec \(state.rawValue) \(Self.shortClock(timeMicros)) / \(Self.shortClock(durationMicros))")
        parts.append("speed x\(Self.speedText(speed))")
        if let idleCapMicros { parts.append("idle cap \(Self.secondsText(idleCapMicros))") }
        if let next = nextIndicator {
            let detail = TerminalSafe.escape(String(next.detail.prefix(Self.detailCharacters)))
            parts.append("next \(next.kind.name) at \(Self.shortClock(next.timeMicros))" + (detail.isEmpty ? "" : ": \(detail)"))
        } else {
            parts.append("no further indicator")
        }
        if let size = sizeMismatch {
            parts.append("recorded at \(size.recordedColumns)x\(size.recordedRows), this terminal is \(size.viewerColumns)x\(size.viewerRows)")
        }
        if state != .ended { parts.append("keys: space . [ ] + - q") }
        return parts.joined(separator: " | ")
    }

    /// `m:ss` or `h:mm:ss`.
    static func shortClock(_ micros: Int64) -> String {
        let seconds = max(0, micros) / 1_000_000
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }

    static func speedText(_ speed: Double) -> String {
        speed == speed.rounded() ? String(Int(speed)) : String(speed)
    }

    /// `2s`, or `1.5s` for a fraction.
    static func secondsText(_ micros: Int64) -> String {
        micros % 1_000_000 == 0 ? "\(micros / 1_000_000)s" : "\(Double(micros) / 1_000_000)s"
    }
}
