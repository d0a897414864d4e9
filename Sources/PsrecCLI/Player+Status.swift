import PsrecFormat

/// The status line: where playback is, how fast, and what comes next.
///
/// The text goes to `PlayerOutput.showStatus`, which on a terminal sets the window title
/// (see `TerminalPlayerOutput`), never the screen. It is built only from numbers, fixed
/// words and indicator details passed through `TerminalSafe.escape`, so a recorded
/// command or marker label cannot smuggle a control character into it.
extension Player {
    /// Longest indicator detail shown, in characters (before escaping).
    static let statusDetailCharacters = 40

    /// Shows the status when the output is a terminal, at most every
    /// `statusIntervalMicros` unless `force`.
    func publishStatus(force: Bool, ended: Bool = false) {
        guard output.isTerminal else { return }
        let now = input.nowMicros()
        guard force || lastStatusWall == .min || now - lastStatusWall >= Self.statusIntervalMicros else { return }
        lastStatusWall = now
        let text = statusText(nowWall: now, ended: ended)
        lastStatus = text
        output.showStatus(text)
    }

    /// The status text at wall time `nowWall`.
    func statusText(nowWall: Int64, ended: Bool = false) -> String {
        var parts: [String] = []
        let state = ended ? "ended" : isPaused ? "paused" : "playing"
        parts.append("psrec \(state) \(Self.shortClock(displayedMicros(nowWall: nowWall, ended: ended))) / \(Self.shortClock(reader.durationMicros))")
        parts.append("speed x\(Self.speedText(schedule.speed))")
        if let cap = schedule.idleCapMicros { parts.append("idle cap \(Self.secondsText(cap))") }
        if let i = nextIndicatorIndex() {
            let next = reader.indicators[i]
            let detail = TerminalSafe.escape(String(next.detail.prefix(Self.statusDetailCharacters)))
            parts.append("next \(next.kind.name) at \(Self.shortClock(next.timeMicros))" + (detail.isEmpty ? "" : ": \(detail)"))
        } else {
            parts.append("no further indicator")
        }
        if let sizeHint, nowWall < sizeHintUntilWall { parts.append(sizeHint) }
        if !ended { parts.append("keys: space . [ ] + - q") }
        return parts.joined(separator: " | ")
    }

    /// The session time to show: while playing, time moves on through a gap.
    private func displayedMicros(nowWall: Int64, ended: Bool) -> Int64 {
        guard !ended, !isPaused else { return playheadMicros }
        let moved = gapStartMicros + schedule.cappedMicros(forWall: max(0, nowWall - gapStartWall))
        let limit = peek()?.timeMicros ?? reader.durationMicros
        return max(playheadMicros, min(moved, limit))
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

    static func secondsText(_ micros: Int64) -> String {
        micros % 1_000_000 == 0 ? "\(micros / 1_000_000)s" : "\(Double(micros) / 1_000_000)s"
    }
}
