import Testing
@testable import PsrecPlayback
import PsrecFormat
import PsrecInterop

/// The engine without a terminal: what it hands its output, and when, for a recording, a
/// speed and an idle cap; seeking and jumps against playing.
@Suite struct PlayerEngineTests {
    typealias F = PlayerFixture

    /// A shell-like session: typing, a long pause, a `clear`, markers and commands, two
    /// events recorded at one instant.
    func session() throws -> RecordingReader {
        try F.reader([
            (0, F.out("$ ")),
            (400_000, .input(Array("l".utf8))),
            (410_000, F.out("l")),
            (600_000, F.out("s")),
            (800_000, .command("ls")),
            (800_100, F.out("\r\nREADME  Sources\r\n$ ")),
            (800_100, F.out("\u{1B}[1mbold\u{1B}[0m")),
            (60_800_100, .marker("after lunch")),
            (60_900_000, F.out("\u{1B}[H\u{1B}[2J$ ")),
            (61_000_000, .command("vim")),
            (61_000_050, F.out("\u{1B}[?1049h\u{1B}[Hfile\r\n~\r\n~")),
            (65_000_000, F.out("\u{1B}[?1049l$ exit\r\n")),
        ], chunkIntervalMicros: 500_000)
    }

    func play(_ reader: RecordingReader, _ schedule: PlaybackSchedule, keys: [(at: Int64, command: PlayerCommand)] = [],
              terminal: Bool = false) -> (Player, CapturedOutput) {
        let input = ScriptedInput(keys: keys)
        let output = CapturedOutput(clock: input, isTerminal: terminal)
        let player = Player(reader: reader, schedule: schedule, input: input, output: output)
        player.run()
        return (player, output)
    }

    @Test(arguments: [
        (1.0, nil, [0, 410_000, 600_000, 800_100, 60_900_000, 61_000_050, 65_000_000] as [Int64]),
        // Twice as fast: every gap halved.
        (2.0, nil, [0, 205_000, 300_000, 400_050, 30_450_000, 30_500_025, 32_500_000]),
        // Capped at 1 s of recording: the hour-long lunch is a second (0.8001 + 1 + 0.0999).
        (1.0, 1_000_000, [0, 410_000, 600_000, 800_100, 1_900_000, 2_000_050, 3_000_050]),
        // Cap, then speed.
        (4.0, 1_000_000, [0, 102_500, 150_000, 200_025, 475_000, 500_013, 750_013]),
    ] as [(Double, Int64?, [Int64])])
    func outputIsHandedOverAtTheScheduledTimes(speed: Double, idleCap: Int64?, expected: [Int64]) throws {
        let reader = try session()
        let (_, out) = play(reader, PlaybackSchedule(speed: speed, idleCapMicros: idleCap))
        #expect(out.writes.map(\.0) == expected)
        // Events at one instant go out together, in one write.
        #expect(out.writes[3].1 == "\r\nREADME  Sources\r\n$ \u{1B}[1mbold\u{1B}[0m")
        var all: [UInt8] = []
        for e in reader.events() { if case .output(let b) = e.event { all += b } }
        #expect(out.bytes == all)
    }

    @Test func eventsThatDrawNothingCostNoWaitAndNoWrite() throws {
        // 100 000 empty outputs and inputs at one instant between two outputs a second apart.
        var events: [(Int64, Event)] = [(0, F.out("a"))]
        for i in 0..<100_000 { events.append((500_000, i % 2 == 0 ? .output([]) : .input([]))) }
        events.append((500_000, F.out("b")))
        events.append((1_000_000, F.out("c")))
        let reader = try F.reader(events, chunkIntervalMicros: 10_000_000)
        let input = ScriptedInput()
        var waits = 0
        input.beforeWait = { _ in waits += 1 }
        let output = CapturedOutput(clock: input, isTerminal: false)
        Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output).run()
        #expect(output.writes.map(\.0) == [0, 500_000, 1_000_000])
        #expect(output.text == "abc")
        #expect(waits == 2)
    }

    @Test func aLargeOutputIsHandedOverWholeAndSmallOnesTogether() throws {
        // Larger than a batch, smaller than the writer's largest chunk (so it is one event).
        let large = [UInt8](repeating: 0x41, count: 200 << 10)
        var events: [(Int64, Event)] = [(0, .output(large))]
        for _ in 0..<1000 { events.append((1_000, F.out("xy"))) }
        let reader = try F.reader(events)
        let (_, out) = play(reader, PlaybackSchedule(speed: 1024))
        let sizes = out.items.compactMap { item -> Int? in
            if case .bytes(_, let b) = item { return b.count }
            return nil
        }
        #expect(sizes == [200 << 10, 2000])
    }

    @Test func aChunkOfManyEventsIsDecodedOncePlayingThrough() throws {
        // More events than the old player's cache held (it then decoded the chunk again for
        // every event), a microsecond apart, in one chunk.
        let count = 270_000
        let events = (1...count).map { (Int64($0), F.out(".")) }
        let reader = try F.reader(events, chunkIntervalMicros: 10_000_000, maxChunkBytes: 4 << 20)
        #expect(reader.entries.count == 1)
        let readsBefore = reader.chunkReads
        let (player, out) = play(reader, PlaybackSchedule(speed: 1024))
        #expect(reader.chunkReads - readsBefore == 1)
        #expect(out.bytes.count == count)
        #expect(player.playheadMicros == Int64(count))
    }

    @Test func theCacheStaysWithinItsBytes() throws {
        // 64 chunks of 200 KiB: played through and sought back, the cache keeps at most 8 MiB.
        let body = [UInt8](repeating: 0x41, count: 200 << 10)
        let reader = try F.reader((0..<64).map { (Int64($0) * 2_000_000, .output(body)) })
        #expect(reader.entries.count == 64)
        let (player, _) = play(reader, PlaybackSchedule(speed: 1024), terminal: true)
        player.seek(toMicros: 10_000_000)
        let held = player.chunkCache.values.reduce(0) { $0 + $1.chunk.payload.count }
        #expect(held <= Player.cacheBytes)
        #expect(player.chunkCache.count <= Player.cacheChunks)
    }

    /// The screen a fresh terminal shows after `bytes`.
    func screen(_ bytes: [UInt8]) -> [String] {
        let screen = TerminalScreen(columns: 80, rows: 24)
        screen.feed(bytes)
        return screen.displayLines
    }

    /// The screen after playing every event before `micros`, from the recording itself.
    func screenPlayed(to micros: Int64, _ reader: RecordingReader) -> [String] {
        var bytes: [UInt8] = []
        for e in reader.events() where e.timeMicros < micros { if case .output(let b) = e.event { bytes += b } }
        return screen(bytes)
    }

    @Test(arguments: [300_000, 800_100, 30_000_000, 60_900_000, 61_000_050, 62_000_000, 70_000_000] as [Int64])
    func seekingShowsTheScreenPlayingWouldShow(micros: Int64) throws {
        let reader = try session()
        // From nothing played (a start time) ...
        let input = ScriptedInput()
        let fresh = CapturedOutput(clock: input)
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: fresh)
        player.seek(toMicros: micros)
        #expect(screen(Array(fresh.textSinceReset.utf8)) == screenPlayed(to: micros, reader))
        // ... and backwards, after playing to the end: rebuilt after a reset (after the end,
        // there is nothing to rebuild).
        let (played, out) = play(reader, PlaybackSchedule(speed: 1024), terminal: true)
        played.seek(toMicros: micros)
        #expect(out.resets == (micros <= reader.durationMicros ? 1 : 0))
        #expect(screen(Array(out.textSinceReset.utf8)) == screenPlayed(to: micros, reader))
        #expect(played.playheadMicros == micros)
    }

    @Test func jumpsLandJustAfterEachIndicator() throws {
        let reader = try session()
        #expect(reader.indicators.map(\.timeMicros) == [800_000, 60_800_100, 61_000_000])
        let input = ScriptedInput(keys: [(1, .pauseResume), (2, .nextIndicator), (3, .nextIndicator), (4, .nextIndicator),
                                         (5, .previousIndicator), (6, .previousIndicator), (7, .quit)])
        let output = CapturedOutput(clock: input)
        let player = Player(reader: reader, schedule: PlaybackSchedule(), input: input, output: output)
        var seen: [(Int64, [String])] = []
        input.beforeWait = { _ in seen.append((player.playheadMicros, self.screen(Array(output.textSinceReset.utf8)))) }
        #expect(player.run() == .quit)
        let stops = seen.suffix(6)
        #expect(stops.map(\.0) == [0, 800_000, 60_800_100, 61_000_000, 60_800_100, 800_000])
        // Each stop shows everything up to its indicator and nothing recorded after it.
        for (time, shown) in stops.dropFirst() {
            #expect(shown == screenPlayed(to: time + 1, reader), "at \(time)")
        }
    }
}
