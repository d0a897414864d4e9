import Foundation
import Testing
@testable import PsrecFormat
import PsrecTestSupport

/// Small, valid-checksum files built to exhaust memory or time (issue 11): every command on
/// each must stay under 64 MB of peak memory and finish in a few seconds. Memory must follow
/// the content really decoded, never a declared count or size.
@Suite(.serialized) struct HostileFileTests {
    static let peakLimitBytes = 64 << 20
    /// Generous: the tests run the debug build, on a shared machine. A million one-line
    /// events take about 5-9 s to print there (JSON), well under a second in release.
    static let timeLimitSeconds = 20.0

    /// `count` copies of `event` framed in the interleaved layout, delta 0.
    static func events(_ body: [UInt8], type: UInt8, count: Int) -> [UInt8] {
        var one = ByteWriter()
        one.writeUInt8(type)
        one.writeUVarint(0)
        one.writeUVarint(body.count)
        one.writeBytes(body)
        var all = [UInt8]()
        all.reserveCapacity(one.count * count)
        for _ in 0..<count { all += one.bytes }
        return all
    }

    /// The hostile files, by name.
    static let files: [String: [UInt8]] = {
        var result: [String: [UInt8]] = [:]

        // Millions of empty markers in a few chunks, no trailer: every reader scans them, and
        // every marker is an indicator with a text.
        var markers = try! RawFile.hostile()
        for _ in 0..<3 {
            markers.chunk(.events, events([], type: EventType.marker.rawValue, count: 2_000_000), items: 2_000_000, start: 0, end: 0)
        }
        result["markers"] = markers.bytes

        // A complete file whose final index claims millions of indicators (4 bytes each).
        var index = try! RawFile.hostile()
        let first = index.chunk(.events, events(Array("x".utf8), type: EventType.output.rawValue, count: 1), items: 1, start: 0, end: 0)
        var ip = ByteWriter()
        ip.writeUInt8(1)
        ip.writeUVarint(0)
        ip.writeUVarint(1)
        EntryDeltasForTests.write(SeekEntry(offset: first, sequence: 1, startMicros: 0, endMicros: 0, eventCount: 1), into: &ip)
        let indicatorCount = 4_000_000
        ip.writeUVarint(indicatorCount)
        for _ in 0..<indicatorCount { ip.writeBytes([0, EventType.marker.rawValue, 0, 0]) }
        let indexOffset = index.chunk(.index, ip.bytes, items: 1 + indicatorCount, start: 0, end: 0)
        index.bytes += Trailer(indexOffset: indexOffset, indexSequence: 2, durationMicros: 0).encoded(salt: RawFile.salt)
        result["index-claims"] = index.bytes

        // zstd bombs: chunks of one 32 MiB output event each, a few hundred bytes stored.
        var bomb = try! RawFile.hostile()
        var entries: [SeekEntry] = []
        let bodyLength = Limits.maxDecodedLength - 6
        let bombPayload = events([UInt8](repeating: 0x41, count: bodyLength), type: EventType.output.rawValue, count: 1)
        for i in 0..<2 {
            let t = Int64(i) * 1_000_000
            let offset = bomb.chunk(.events, bombPayload, items: 1, start: t, end: t)
            entries.append(SeekEntry(offset: offset, sequence: bomb.sequence - 1, startMicros: t, endMicros: t, eventCount: 1))
        }
        bomb.close(entries: entries, duration: 1_000_000)
        result["zstd-bomb"] = bomb.bytes

        // Millions of empty output events in one complete file.
        var empty = try! RawFile.hostile()
        let count = 1_000_000
        let emptyOffset = empty.chunk(.events, events([], type: EventType.output.rawValue, count: count), items: count, start: 0, end: 0)
        empty.close(entries: [SeekEntry(offset: emptyOffset, sequence: 1, startMicros: 0, endMicros: 0, eventCount: count)], duration: 0)
        result["empty-events"] = empty.bytes
        // Partial indexes that each list every chunk before them (as far as 48 bytes apart
        // allows): kept whole, they would grow as the square of the file.
        var chained = try! RawFile.hostile()
        var previous: Int64 = 0
        for _ in 0..<1500 {
            let offset = Int64(chained.bytes.count)
            let count = IndexPayload.maxEntries(before: offset)
            var w = ByteWriter()
            w.writeUInt8(0)
            w.writeUVarint(UInt64(previous))
            w.writeUVarint(count)
            for i in 0..<count { w.writeBytes(i == 0 ? [0x50, 0x01, 0, 0, 1] : [0x30, 0x01, 0, 0, 1]) }
            w.writeUVarint(0)
            previous = chained.chunk(.index, w.bytes, items: count, start: 0, end: 0)
        }
        result["chained-indexes"] = chained.bytes

        // No index, thousands of chunks of 16 markers with 1 KiB labels: every indicator is
        // kept with its detail by a reader, so the details must share 1 KiB per chunk.
        var labels = try! RawFile.hostile()
        let sixteen = events(Array(repeating: UInt8(ascii: "L"), count: 1024), type: EventType.marker.rawValue, count: 16)
        for i in 0..<6000 {
            labels.chunk(.events, sixteen, items: 16, start: Int64(i), end: Int64(i))
        }
        result["long-markers"] = labels.bytes

        // A million one-byte outputs a microsecond apart in one chunk: a second of content,
        // a million steps for a player.
        var steps = try! RawFile.hostile()
        var one = ByteWriter()
        one.writeUInt8(EventType.output.rawValue)
        one.writeUVarint(1)
        one.writeUVarint(1)
        one.writeBytes([0x2E])
        var stepEvents = [UInt8]()
        for _ in 0..<count { stepEvents += one.bytes }
        let stepsOffset = steps.chunk(.events, stepEvents, items: count, start: 0, end: Int64(count))
        steps.close(entries: [SeekEntry(offset: stepsOffset, sequence: 1, startMicros: 0, endMicros: Int64(count), eventCount: count)],
                    duration: Int64(count))
        result["microsecond-steps"] = steps.bytes

        // Chunks just small enough for a player's cache, filling it, then a 32 MiB one.
        var mixed = try! RawFile.hostile()
        var mixedEntries: [SeekEntry] = []
        let cacheable = events([UInt8](repeating: 0x42, count: (2 << 20) - 16), type: EventType.output.rawValue, count: 1)
        for i in 0..<6 {
            let t = Int64(i) * 1_000_000
            let payload = i < 5 ? cacheable : bombPayload
            let offset = mixed.chunk(.events, payload, items: 1, start: t, end: t)
            mixedEntries.append(SeekEntry(offset: offset, sequence: mixed.sequence - 1, startMicros: t, endMicros: t, eventCount: 1))
        }
        mixed.close(entries: mixedEntries, duration: 5_000_000)
        result["cache-then-bomb"] = mixed.bytes
        return result
    }()

    /// Peak resident memory (bytes) and wall time of `psrec ARGS`, its output thrown away.
    static func measure(_ arguments: [String]) throws -> (status: Int32, peakBytes: Int, seconds: Double) {
        let run = try MeasuredRun.run(arguments)
        return (run.status, run.peakResidentBytes, run.seconds)
    }

    /// Hostile file `name`, checked to be at most 1 MiB, written into a new temporary folder.
    static func written(_ name: String) throws -> (dir: URL, path: String, bytes: [UInt8]) {
        let file = try #require(Self.files[name])
        #expect(file.count <= 1 << 20, "\(name) is \(file.count) bytes")
        let dir = CLI.tempDir()
        let path = dir.appendingPathComponent(name + ".psrec").path
        try Data(file).write(to: URL(fileURLWithPath: path))
        return (dir, path, file)
    }

    static let commands: [[String]] = [["verify"], ["info"], ["cat"], ["events"], ["events", "--json"]]

    @Test(arguments: ["markers", "index-claims", "zstd-bomb", "empty-events", "chained-indexes", "long-markers"])
    func everyCommandStaysSmallAndQuick(name: String) throws {
        let (dir, path, file) = try Self.written(name)
        defer { try? FileManager.default.removeItem(at: dir) }
        for command in Self.commands {
            let m = try Self.measure(command + [path])
            // The figures, for the record (swift test shows them).
            print("HostileFileTests: psrec \(command.joined(separator: " ")) on \(name) (\(file.count) bytes): peak \(m.peakBytes >> 20) MB, \(String(format: "%.2f", m.seconds)) s, exit \(m.status)")
            #expect(m.peakBytes <= Self.peakLimitBytes, "psrec \(command.joined(separator: " ")) on \(name) (\(file.count) bytes): peak \(m.peakBytes >> 20) MB")
            #expect(m.seconds <= Self.timeLimitSeconds, "psrec \(command.joined(separator: " ")) on \(name): \(m.seconds) s")
            #expect(m.status <= 3, "psrec \(command.joined(separator: " ")) on \(name): exit \(m.status)")
        }
    }
}

extension HostileFileTests {
    /// `play` at the fastest speed, its output to a file (not a terminal: no keys, output on
    /// the schedule). Before playback became a library, a 32 MiB output event was copied per
    /// event and cached (124 MB on zstd-bomb), and a chunk of more events than the cache held
    /// was decoded again for every event (empty-events and microsecond-steps killed after
    /// 60 s); a cache bounded in bytes but kept while a 32 MiB chunk was decoded peaked at
    /// 68 MB on cache-then-bomb.
    @Test(arguments: ["markers", "index-claims", "zstd-bomb", "empty-events", "chained-indexes", "long-markers", "microsecond-steps",
                      "cache-then-bomb"])
    func playStaysSmallAndQuick(name: String) throws {
        let (dir, path, file) = try Self.written(name)
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try MeasuredRun.run(["play", "--speed", "1024", path], timeoutSeconds: 60)
        print("HostileFileTests: psrec play --speed 1024 on \(name) (\(file.count) bytes): peak \(run.peakResidentBytes >> 20) MB, \(String(format: "%.2f", run.seconds)) s, exit \(run.status)")
        #expect(run.peakResidentBytes <= Self.peakLimitBytes, "psrec play on \(name): peak \(run.peakResidentBytes >> 20) MB")
        #expect(run.seconds <= Self.timeLimitSeconds, "psrec play on \(name): \(run.seconds) s")
        // 0 to 3 (complete to invalid); a run killed at the time limit is not.
        #expect((0...3).contains(run.status), "psrec play on \(name): exit \(run.status)")
        #expect(run.seconds <= Self.timeLimitSeconds, "psrec play on \(name): \(run.seconds) s")
        #expect(run.status <= 3, "psrec play on \(name): exit \(run.status)")
    }
}

/// The index's entry deltas, as the Spec gives them, for files the writer would not make.
enum EntryDeltasForTests {
    static func write(_ e: SeekEntry, into w: inout ByteWriter) {
        w.writeUVarint(UInt64(e.offset))
        w.writeUVarint(UInt64(e.sequence))
        w.writeUVarint(UInt64(e.startMicros))
        w.writeUVarint(UInt64(e.endMicros - e.startMicros))
        w.writeUVarint(e.eventCount)
    }
}

extension RawFile {
    /// A file for the hostile tests: terminal metadata, chunks compressed with zstd -19 unless
    /// they say otherwise.
    static func hostile() throws -> RawFile {
        let meta = RecordingMetadata(recordingID: UUID(uuidString: "6F1B1A52-0C2E-4D1A-9E55-3C2B8D0A7F10")!,
                                     sessionProtocol: .ssh, startUnixMicros: 1_764_000_000_000_000,
                                     terminal: .init(cols: 80, rows: 24))
        return RawFile(metaJSON: try meta.encodedJSON(), level: 19, codec: .zstd)
    }

    /// A final index listing `entries` and `indicators`, and the trailer.
    mutating func close(entries: [SeekEntry], indicators: [Indicator] = [], duration: Int64) {
        trailer(finalIndex(entries, indicators: indicators, duration: duration), duration: duration)
    }
}
