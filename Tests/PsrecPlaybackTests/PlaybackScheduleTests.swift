import Testing
import PsrecPlayback
import PsrecFormat
import PsrecTestSupport

@Suite struct PlaybackScheduleTests {
    @Test func recordedPaceAtSpeedOne() {
        let schedule = PlaybackSchedule()
        #expect(schedule.showTimes(of: [0, 200_000, 1_200_000, 5_000_000]) == [0, 200_000, 1_200_000, 5_000_000])
    }

    @Test func speedDividesEveryGap() {
        #expect(PlaybackSchedule(speed: 2).showTimes(of: [100_000, 1_100_000, 3_100_000]) == [50_000, 550_000, 1_550_000])
        #expect(PlaybackSchedule(speed: 0.5).delayMicros(fromMicros: 0, toMicros: 1_000_000) == 2_000_000)
    }

    @Test func skipInactivityShortensLongPausesToTheExpectedLength() {
        // One hour idle, half a second of typing, another hour idle.
        let times: [Int64] = [0, 3_600_000_000, 3_600_500_000, 7_200_500_000]
        #expect(PlaybackSchedule().playbackMicros(of: times) == 7_200_500_000)
        #expect(PlaybackSchedule(idleCapMicros: PlaybackSchedule.defaultIdleCapMicros).playbackMicros(of: times) == 2_500_000)
        // The cap is recording time, applied before the speed.
        #expect(PlaybackSchedule(speed: 2, idleCapMicros: 2_000_000).playbackMicros(of: times) == 2_250_000)
        // Gaps shorter than the cap play as recorded.
        #expect(PlaybackSchedule(idleCapMicros: 1_000_000).showTimes(of: [0, 400_000, 900_000]) == [0, 400_000, 900_000])
    }

    @Test func skipInactivityOnAVectorMatchesTheSumOfCappedGaps() throws {
        let reader = try RecordingReader(path: CLI.vector("terminal-zstd.psrec"))
        let times = reader.events().map(\.timeMicros)
        let full = PlaybackSchedule().playbackMicros(of: times)
        #expect(full == times.last)
        var expected: Int64 = 0
        var previous: Int64 = 0
        for t in times { expected += min(t - previous, 1_000_000); previous = t }
        let capped = PlaybackSchedule(idleCapMicros: 1_000_000).playbackMicros(of: times)
        #expect(capped == expected)
        #expect(capped < full)
        // What the end-to-end test runs: every gap at most 10 ms, at 100 times the speed.
        let fast = PlaybackSchedule(speed: 100, idleCapMicros: 10_000).playbackMicros(of: times)
        #expect(fast <= Int64(times.count) * 100)
    }

    @Test func roundingDoesNotAccumulate() {
        let times = (0..<1000).map { Int64($0) }
        let shown = PlaybackSchedule(speed: 3).showTimes(of: times)
        #expect(shown.last == 333)
        #expect(shown == shown.sorted())
    }

    @Test func eventsBeforeTheStartAreShownAtOnce() {
        #expect(PlaybackSchedule().showTimes(of: [5, 10, 1_000_010], startMicros: 10) == [0, 0, 1_000_000])
    }

    @Test func speedKeysDoubleAndHalveWithinBounds() {
        var schedule = PlaybackSchedule(speed: 1)
        schedule.speed = schedule.faster()
        #expect(schedule.speed == 2)
        for _ in 0..<20 { schedule.speed = schedule.faster() }
        #expect(schedule.speed == PlaybackSchedule.maximumSpeed)
        for _ in 0..<40 { schedule.speed = schedule.slower() }
        #expect(schedule.speed == PlaybackSchedule.minimumSpeed)
    }

    @Test func cappedTimeAndWallTimeConvert() {
        let schedule = PlaybackSchedule(speed: 4)
        #expect(schedule.wallMicros(forCapped: 1_000_000) == 250_000)
        #expect(schedule.cappedMicros(forWall: 250_000) == 1_000_000)
    }
}
