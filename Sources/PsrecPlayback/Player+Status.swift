import PsrecFormat

/// The status: where playback is, how fast, and what comes next (`PlayerStatus`).
///
/// It goes to `PlayerOutput.showStatus` when the output is a terminal (or another live
/// viewer), at most every `statusIntervalMicros` while playing and at once after a command.
extension Player {
    /// Publishes the status when the output is a terminal, at most every
    /// `statusIntervalMicros` unless `force`.
    func publishStatus(force: Bool, ended: Bool = false) {
        guard output.isTerminal else { return }
        let now = input.nowMicros()
        guard force || lastStatusWall == .min || now - lastStatusWall >= Self.statusIntervalMicros else { return }
        lastStatusWall = now
        let current = status(nowWall: now, ended: ended)
        lastStatus = current
        output.showStatus(current)
    }

    /// The status at wall time `nowWall` (a `PlayerInput.nowMicros()` value).
    /// - Parameter ended: true once every event was shown.
    public func status(nowWall: Int64, ended: Bool = false) -> PlayerStatus {
        PlayerStatus(
            state: ended ? .ended : isPaused ? .paused : .playing,
            timeMicros: displayedMicros(nowWall: nowWall, ended: ended),
            durationMicros: reader.durationMicros,
            speed: schedule.speed,
            idleCapMicros: schedule.idleCapMicros,
            nextIndicator: nextIndicatorIndex().map { reader.indicators[$0] },
            sizeMismatch: nowWall < sizeHintUntilWall ? sizeMismatch : nil)
    }

    /// The session time to show: while playing, time moves on through a gap.
    private func displayedMicros(nowWall: Int64, ended: Bool) -> Int64 {
        guard !ended, !isPaused else { return playheadMicros }
        let moved = gapStartMicros + schedule.cappedMicros(forWall: max(0, nowWall - gapStartWall))
        let limit = peek()?.timeMicros ?? reader.durationMicros
        return max(playheadMicros, min(moved, limit))
    }
}
