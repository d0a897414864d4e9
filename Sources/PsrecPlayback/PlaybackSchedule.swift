/// When each event of a recording is shown during playback: pure arithmetic, no clock.
///
/// The recorded gap between two events is first capped by the idle limit
/// (`--skip-inactivity`), then divided by the speed:
///
/// ```
/// recorded:  e0 ──0.2 s── e1 ────────── 300 s ────────── e2 ──0.5 s── e3
/// cap 1 s:   e0 ──0.2 s── e1 ── 1 s ── e2 ──0.5 s── e3               (1.7 s)
/// speed 2:   e0 ─0.1 s─ e1 ─0.5 s─ e2 ─0.25 s─ e3                    (0.85 s)
/// ```
///
/// Capping before dividing matches what an auditor expects: "skip pauses longer than a
/// second" means a second of the recording, whatever the speed.
public struct PlaybackSchedule: Sendable, Equatable {
    /// The slowest speed the `-` key reaches.
    public static let minimumSpeed = 1.0 / 64
    /// The fastest speed the `+` key reaches.
    public static let maximumSpeed = 1024.0
    /// The cap `--skip-inactivity` uses when given without a value: one second.
    public static let defaultIdleCapMicros: Int64 = 1_000_000

    /// Playback speed: 2 plays twice as fast as recorded.
    public var speed: Double
    /// Longest recorded gap played in full, or nil to play every gap as recorded.
    public var idleCapMicros: Int64?

    /// - Precondition: `speed` is within `minimumSpeed...maximumSpeed`; the cap is not negative.
    public init(speed: Double = 1, idleCapMicros: Int64? = nil) {
        precondition((Self.minimumSpeed...Self.maximumSpeed).contains(speed), "speed out of range")
        precondition((idleCapMicros ?? 0) >= 0, "negative idle cap")
        self.speed = speed
        self.idleCapMicros = idleCapMicros
    }

    /// A recorded gap after the idle cap, before the speed applies.
    public func cappedGap(_ gapMicros: Int64) -> Int64 {
        let gap = max(0, gapMicros)
        guard let idleCapMicros else { return gap }
        return min(gap, idleCapMicros)
    }

    /// Wall-clock microseconds between showing an event recorded at `fromMicros` and one
    /// recorded at `toMicros`.
    public func delayMicros(fromMicros: Int64, toMicros: Int64) -> Int64 {
        wallMicros(forCapped: cappedGap(toMicros - fromMicros))
    }

    /// Wall-clock microseconds for `cappedMicros` of (already capped) recording time.
    public func wallMicros(forCapped cappedMicros: Int64) -> Int64 {
        Int64((Double(cappedMicros) / speed).rounded())
    }

    /// Recording time (capped) that `wallMicros` of playback covers at this speed.
    public func cappedMicros(forWall wallMicros: Int64) -> Int64 {
        Int64((Double(wallMicros) * speed).rounded())
    }

    /// When each event is shown, in wall microseconds after playback starts at `startMicros`
    /// (session time). Times must be in order; earlier ones are shown at once.
    ///
    /// Offsets are summed from capped gaps before dividing by the speed, so rounding never
    /// accumulates over a long recording.
    /// - Complexity: O(n).
    public func showTimes(of eventMicros: [Int64], startMicros: Int64 = 0) -> [Int64] {
        var previous = startMicros
        var capped: Int64 = 0
        var result: [Int64] = []
        result.reserveCapacity(eventMicros.count)
        for time in eventMicros {
            capped += cappedGap(time - previous)
            previous = max(previous, time)
            result.append(wallMicros(forCapped: capped))
        }
        return result
    }

    /// How long playing events at these times takes, from `startMicros` to the last one.
    public func playbackMicros(of eventMicros: [Int64], startMicros: Int64 = 0) -> Int64 {
        showTimes(of: eventMicros, startMicros: startMicros).last ?? 0
    }

    /// The next speed up (doubling), or the same at the maximum.
    public func faster() -> Double { min(Self.maximumSpeed, speed * 2) }
    /// The next speed down (halving), or the same at the minimum.
    public func slower() -> Double { max(Self.minimumSpeed, speed / 2) }
}
