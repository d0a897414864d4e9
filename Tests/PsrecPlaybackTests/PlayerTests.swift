import Testing
@testable import PsrecPlayback
import PsrecFormat

@Suite struct PlayerTests {
    typealias F = PlayerFixture

    func threeOutputs() throws -> RecordingReader {
        try F.reader([(0, F.out("a")), (1_000_000, F.out("b")), (3_000_000, F.out("c"))])
    }

    func play(_ reader: RecordingReader, schedule: PlaybackSchedule = PlaybackSchedule(), keys: [(at: Int64, command: PlayerCommand)] = [],
              terminal: Bool = true, from: Int64 = 0) -> (Player, CapturedOutput, Player.Outcome) {
        let input = ScriptedInput(keys: keys)
        let output = CapturedOutput(clock: input, isTerminal: terminal)
        let player = Player(reader: reader, schedule: schedule, input: input, output: output)
        let outcome = player.run(fromMicros: from)
        return (player, output, outcome)
    }

    @Test func playsAtTheRecordedPace() throws {
        let (player, out, outcome) = play(try threeOutputs())
        #expect(outcome == .finished)
        #expect(out.writes.map(\.0) == [0, 1_000_000, 3_000_000])
        #expect(out.text == "abc")
        #expect(player.playheadMicros == 3_000_000)
    }

    @Test func speedAndIdleCapShapeTheSchedule() throws {
        let (_, fast, _) = play(try threeOutputs(), schedule: PlaybackSchedule(speed: 2))
        #expect(fast.writes.map(\.0) == [0, 500_000, 1_500_000])
        let (_, capped, _) = play(try threeOutputs(), schedule: PlaybackSchedule(idleCapMicros: 500_000))
        #expect(capped.writes.map(\.0) == [0, 500_000, 1_000_000])
    }

    @Test func pauseHoldsThePlayheadAndResumeKeepsThePartGapPlayed() throws {
        let (player, out, _) = play(try threeOutputs(), keys: [(250_000, .pauseResume), (10_250_000, .pauseResume)])
        // 0.25 s of the 1 s gap was played before the pause.
        #expect(out.writes.map(\.0) == [0, 11_000_000, 13_000_000])
        #expect(out.statuses.contains { $0.state == .paused && $0.timeMicros < 1_000_000 })
        #expect(!player.isPaused)
    }

    @Test func stepShowsTheNextOutputWhilePaused() throws {
        let reader = try F.reader([(0, F.out("a")), (1_000_000, .input(Array("x".utf8))), (1_000_100, F.out("b")), (3_000_000, F.out("c"))])
        let input = ScriptedInput(keys: [(100, .pauseResume), (5_000_000, .step), (6_000_000, .step), (7_000_000, .quit)])
        let output = CapturedOutput(clock: input)
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output)
        #expect(player.run() == .quit)
        #expect(output.writes.map(\.0) == [0, 5_000_000, 6_000_000])
        #expect(output.text == "abc")
        #expect(player.playheadMicros == 3_000_000)
        #expect(player.isPaused)
    }

    @Test func stepIsIgnoredWhilePlaying() throws {
        let (_, out, _) = play(try threeOutputs(), keys: [(100, .step)])
        #expect(out.writes.map(\.0) == [0, 1_000_000, 3_000_000])
    }

    @Test func quitStopsAtOnce() throws {
        let (player, out, outcome) = play(try threeOutputs(), keys: [(1_500_000, .quit)])
        #expect(outcome == .quit)
        #expect(out.text == "ab")
        #expect(player.playheadMicros == 1_000_000)
    }

    @Test func speedKeysChangeTheRestOfTheGap() throws {
        // Half of the first 1 s gap at speed 1, the other half at speed 2.
        let (player, out, _) = play(try threeOutputs(), keys: [(500_000, .faster)])
        #expect(player.schedule.speed == 2)
        #expect(out.writes.map(\.0) == [0, 750_000, 1_750_000])
        #expect(out.statuses.contains { $0.speed == 2 })
        let (slow, _, _) = play(try threeOutputs(), keys: (0..<12).map { (Int64($0), .slower) })
        #expect(slow.schedule.speed == PlaybackSchedule.minimumSpeed)
    }

    func indicators() throws -> RecordingReader {
        try F.reader([
            (0, F.out("$ ")),
            (1_000_000, .command("ls")),
            (1_000_100, F.out("ls\r\nfile\r\n$ ")),
            (5_000_000, .marker("middle")),
            (5_000_001, F.out("\u{1B}[2J\u{1B}[Hcleared ")),
            (9_000_000, .command("exit")),
            (9_000_100, F.out("exit")),
        ])
    }

    @Test func nextIndicatorJumpsForwardWithoutDelayOrReset() throws {
        let (player, out, _) = play(try indicators(), keys: [(100, .nextIndicator), (200, .nextIndicator)])
        #expect(out.resets == 0)
        // Both jumps at once; the events after the last indicator follow at their pace.
        #expect(out.writes.map(\.0) == [0, 200, 201, 4_000_300])
        #expect(out.text == "$ ls\r\nfile\r\n$ \u{1B}[2J\u{1B}[Hcleared exit")
        #expect(player.playheadMicros == 9_000_100)
    }

    @Test func previousIndicatorRebuildsTheScreenFromTheLastClear() throws {
        let reader = try indicators()
        let input = ScriptedInput(keys: [(100, .pauseResume), (200, .nextIndicator), (300, .nextIndicator), (400, .nextIndicator), (500, .previousIndicator), (600, .quit)])
        let output = CapturedOutput(clock: input)
        var playheads: [Int64] = []
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output)
        input.beforeWait = { _ in playheads.append(player.playheadMicros) }
        #expect(player.run() == .quit)
        #expect(playheads.suffix(5) == [0, 1_000_000, 5_000_000, 9_000_000, 5_000_000])
        #expect(output.resets == 1)
        // Back at "middle": the screen is rebuilt from the clear, which comes after the marker,
        // so from the start: everything up to the marker.
        #expect(output.textSinceReset == "$ ls\r\nfile\r\n$ ")
        #expect(player.isPaused)
    }

    @Test func previousIndicatorAfterAClearRebuildsFromTheClear() throws {
        let reader = try F.reader([
            (0, F.out("old screen")),
            (1_000_000, F.out("\u{1B}[H\u{1B}[2J")),
            (1_500_000, F.out("new screen")),
            (2_000_000, .marker("one")),
            (3_000_000, F.out(" more")),
            (4_000_000, .marker("two")),
        ])
        let (player, out, _) = play(reader, keys: [(3_500_000, .previousIndicator), (3_600_000, .quit)])
        #expect(player.playheadMicros == 2_000_000)
        #expect(out.resets == 1)
        #expect(out.textSinceReset == "\u{1B}[H\u{1B}[2Jnew screen")
    }

    @Test func fromRebuildsTheScreenThenPlays() throws {
        let (player, out, _) = play(try threeOutputs(), from: 2_000_000)
        // "a" and "b" at once (no reset: nothing was played), "c" one second later.
        #expect(out.writes.map(\.0) == [0, 0, 1_000_000])
        #expect(out.text == "abc")
        #expect(out.resets == 0)
        #expect(player.playheadMicros == 3_000_000)
    }

    @Test func notATerminalGetsOnlyTheRecordedOutput() throws {
        let reader = try indicators()
        let (_, out, _) = play(reader, schedule: PlaybackSchedule(speed: 100, idleCapMicros: 10_000), keys: [(1, .nextIndicator)], terminal: false)
        #expect(out.resets == 0)
        #expect(out.statuses.isEmpty)
        var all: [UInt8] = []
        for e in reader.events() { if case .output(let b) = e.event { all += b } }
        #expect(out.bytes == all)
    }

    @Test func statusGivesTimeSpeedCapAndTheNextIndicatorAsRecorded() throws {
        let label = "evil\u{1B}]2;owned\u{07}"
        let reader = try F.reader([(0, F.out("a")), (2_000_000, .marker(label)), (3_000_000, F.out("b"))])
        let (_, out, _) = play(reader, schedule: PlaybackSchedule(speed: 2, idleCapMicros: 1_500_000))
        let first = try #require(out.statuses.first)
        #expect(first.state == .playing)
        #expect(first.timeMicros == 0)
        #expect(first.durationMicros == 3_000_000)
        #expect(first.speed == 2)
        #expect(first.idleCapMicros == 1_500_000)
        // Recorded text as it is: whoever shows it escapes it for its screen (the CLI does).
        #expect(first.nextIndicator?.detail == label)
        #expect(first.nextIndicator?.timeMicros == 2_000_000)
        let last = try #require(out.statuses.last)
        #expect(last.state == .ended)
        #expect(last.timeMicros == 3_000_000)
        #expect(last.nextIndicator == nil)
    }

    @Test func aRecordedSizeDifferentFromTheTerminalGivesAOneTimeHint() throws {
        let reader = try F.reader([(0, .resize(cols: 132, rows: 43)), (10, F.out("a")), (20, .resize(cols: 100, rows: 30)), (3_000_000, F.out("b"))])
        let (_, out, _) = play(reader)
        let hinted = out.statuses.compactMap(\.sizeMismatch)
        #expect(!hinted.isEmpty)
        #expect(hinted.allSatisfy { $0 == PlayerStatus.SizeMismatch(recordedColumns: 132, recordedRows: 43, viewerColumns: 80, viewerRows: 24) })
        #expect(!out.text.contains("recorded"))
    }

    @Test func aDamagedChunkIsSkippedAndReported() throws {
        let good = try F.reader([(0, F.out("a")), (1_500_000, F.out("b")), (3_000_000, F.out("c"))])
        var bytes = (good.source as! MemorySource).bytes
        let second = good.entries[1]
        bytes[Int(second.offset) + ChunkHeader.size] ^= 0xFF
        let reader = try RecordingReader(source: MemorySource(bytes))
        let (player, out, outcome) = play(reader, schedule: PlaybackSchedule(speed: 1024))
        #expect(outcome == .finished)
        #expect(out.text == "ac")
        #expect(player.problems.count == 1)
    }

    /// A long recording: output every 250 ms for 300 s, a marker every 10 s, a screen clear
    /// every 25 s; about 330 chunks.
    func long() throws -> RecordingReader {
        var events: [(Int64, Event)] = []
        for i in 0..<1200 {
            let t = Int64(i) * 250_000
            if i % 100 == 0 { events.append((t, F.out("\u{1B}[2J\u{1B}[H"))) }
            events.append((t + 1, F.out("line \(i)\r\n")))
            if i % 40 == 20 { events.append((t + 2, .marker("m\(i)"))) }
        }
        return try F.reader(events)
    }

    @Test func nextIndicatorInALongRecordingReadsOnlyTheChunksUpToIt() throws {
        let reader = try long()
        #expect(reader.entries.count > 300)
        let input = ScriptedInput(keys: [(1, .pauseResume), (2, .nextIndicator), (3, .quit)])
        let output = CapturedOutput(clock: input)
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output)
        var reads: [Int] = []
        input.beforeWait = { _ in reads.append(reader.chunkReads) }
        _ = player.run(fromMicros: 200_100_000)
        #expect(player.playheadMicros == 205_000_002)
        // The jump covers 5 s of recording: about 5 chunks (plus the marker's own chunk cut).
        let jumpCost = reads[reads.count - 1] - reads[reads.count - 2]
        #expect(jumpCost <= 12, "jump read \(jumpCost) chunks")
        // Starting at 200 s rebuilt the screen from the clear at 200 s, not from the start.
        #expect(reads[0] <= 4, "start read \(reads[0]) chunks")
    }

    @Test func previousIndicatorInALongRecordingReadsBackOnlyToTheLastClear() throws {
        let reader = try long()
        let input = ScriptedInput(keys: [(1, .pauseResume), (2, .previousIndicator), (3, .quit)])
        let output = CapturedOutput(clock: input)
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output)
        var reads: [Int] = []
        input.beforeWait = { _ in reads.append(reader.chunkReads) }
        _ = player.run(fromMicros: 290_000_000)
        #expect(player.playheadMicros == 285_000_002)
        let jumpCost = reads[reads.count - 1] - reads[reads.count - 2]
        // The last clear before 285 s is at 275 s: about 10 s of chunks, most still cached.
        #expect(jumpCost <= 14, "jump read \(jumpCost) chunks")
        #expect(output.textSinceReset.hasPrefix("\u{1B}[2J\u{1B}[Hline 1100\r\n"))
        #expect(output.textSinceReset.hasSuffix("line 1140\r\n"))
    }
}
