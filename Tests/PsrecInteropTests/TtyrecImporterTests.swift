import PsrecFormat
import PsrecInterop
import Testing

@Suite("ttyrec import")
struct TtyrecImporterTests {
    static let frames: [[UInt8]] = [
        ttyrecFrame(seconds: 1_700_000_000, micros: 250_000, Array("\u{1b}[32mgreen\u{1b}[0m\r\n".utf8)),
        ttyrecFrame(seconds: 1_700_000_000, micros: 250_001, Array("é✓".utf8)),
        ttyrecFrame(seconds: 1_700_000_003, micros: 999_999, []),
        ttyrecFrame(seconds: 1_700_000_004, micros: 0, [0xFF, 0x00, 0x1B]),
    ]

    @Test("The first frame is time 0 and the recording's start; payloads come back byte for byte")
    func frames() throws {
        let c = try convertInMemory(Self.frames.flatMap { $0 }, name: "session.ttyrec")
        #expect(c.report.format == .ttyrec)
        #expect(c.report.events == 4)
        #expect(c.events.map(\.timeMicros) == [0, 1, 3_749_999, 3_750_000])
        #expect(c.output == Array("\u{1b}[32mgreen\u{1b}[0m\r\né✓".utf8) + [0xFF, 0x00, 0x1B])
        #expect(c.metadata?.startUnixMicros == 1_700_000_000_250_000)
        #expect(c.metadata?.captureToolVersion == "ttyrec")
        #expect(c.report.durationMicros == 3_750_000)
    }

    @Test("Thousands of frames across many buffer fills, one larger than the buffer, come back whole and in time")
    func framesAcrossBufferFills() throws {
        var bytes: [UInt8] = []
        var expected: [(Int64, [UInt8])] = []
        var micros: UInt32 = 0
        for i in 0..<30_000 {
            // Sizes from 0 to 300 bytes, so frames straddle every 256 KiB refill; one of 600 KiB.
            let size = i == 12_345 ? 600 * 1024 : (i * 37) % 301
            let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ i) }
            micros += UInt32(1 + (i * 7919) % 5_000)
            bytes += ttyrecFrame(seconds: 1_700_000_000 + micros / 1_000_000, micros: micros % 1_000_000, payload)
            expected.append((Int64(micros), payload))
        }
        let c = try convertInMemory(bytes, name: "many.ttyrec", options: ConversionOptions(format: .ttyrec))
        #expect(c.report.events == 30_000)
        let first = expected[0].0
        // The writer splits the large frame into pieces at one time: compare per time.
        var byTime: [Int64: [UInt8]] = [:]
        for e in c.events { if case .output(let b) = e.event { byTime[e.timeMicros, default: []] += b } }
        #expect(byTime.count == expected.count)
        #expect(expected.allSatisfy { byTime[$0.0 - first] == $0.1 })
    }

    @Test("A clock that jumps back is clamped and reported")
    func clockJumpsBack() throws {
        let bytes = ttyrecFrame(seconds: 100, micros: 0, [0x61]) + ttyrecFrame(seconds: 105, micros: 0, [0x62])
            + ttyrecFrame(seconds: 90, micros: 0, [0x63]) + ttyrecFrame(seconds: 106, micros: 0, [0x64])
        let c = try convertInMemory(bytes, name: "jump.ttyrec", options: ConversionOptions(format: .ttyrec))
        #expect(c.events.map(\.timeMicros) == [0, 5_000_000, 5_000_000, 6_000_000])
        #expect(c.report.clampedTimes == 1)
        #expect(c.report.warnings.contains { $0.contains("byte 26") })
    }

    @Test("A truncated last frame: strict names the byte offset, lenient keeps what came before", arguments: [3, 12, 14])
    func truncatedFrame(keep: Int) throws {
        let last = ttyrecFrame(seconds: 1_700_000_005, micros: 0, Array("lost".utf8))
        let whole = Self.frames.flatMap { $0 }
        let bytes = whole + last.prefix(keep)
        let error = try #require(conversionError(bytes, name: "s.ttyrec"))
        #expect(error.code == .truncatedFrame)
        #expect(error.offset == Int64(whole.count))
        #expect(error.description.hasPrefix("s.ttyrec at byte \(whole.count): the file ends inside a frame"))
        let c = try convertInMemory(bytes, name: "s.ttyrec", options: ConversionOptions(lenient: true))
        #expect(c.report.events == 4)
        #expect(c.report.skippedLines == 1)
        #expect(c.output.count == Self.frames.map { $0.count - 12 }.reduce(0, +))
    }

    @Test("A frame longer than 32 MiB is malformed")
    func hugeFrame() throws {
        var bytes = Self.frames[0]
        bytes += [0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00, 0x02]  // 32 MiB + 1
        let error = try #require(conversionError(bytes, name: "big.ttyrec"))
        #expect(error.code == .malformedFrame)
        #expect(error.offset == Int64(Self.frames[0].count))
        let c = try convertInMemory(bytes, name: "big.ttyrec", options: ConversionOptions(lenient: true))
        #expect(c.report.events == 1)
        #expect(c.report.skippedLines == 1)
    }
}
