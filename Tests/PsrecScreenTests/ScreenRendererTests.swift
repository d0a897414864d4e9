import Foundation
import PsrecFormat
import Testing
@testable import PsrecScreen

@Suite struct ScreenRendererTests {
    /// Records frame k at k × step µs; returns the path.
    func record(frames: Int, step: Int64, width: Int = 64, height: Int = 48, options: ScreenRecorderOptions = ScreenRecorderOptions(), close: Bool = true) throws -> String {
        let path = ScreenSample.tempPath()
        let writer = try RecordingWriter(path: path, metadata: ScreenSample.metadata(width: width, height: height))
        let r = ScreenRecorder(writer: writer, width: width, height: height, options: options)
        let background = ScreenSample.background(width: width, height: height)
        for k in 0..<frames {
            try r.frame(ScreenSample.frame(k, width: width, height: height, background: background), atMicros: Int64(k) * step)
            try r.flushIfDue(nowMicros: Int64(k) * step)
        }
        if close { try r.close() } else { try writer.flush(); try writer.abandon() }
        return path
    }

    @Test func everyMomentDrawsTheFrameShownThen() throws {
        var options = ScreenRecorderOptions()
        options.keyframeIntervalMicros = 2_000_000
        let path = try record(frames: 60, step: 250_000, options: options)
        let reader = try RecordingReader(path: path)
        let renderer = ScreenRenderer(reader: reader)
        // Forward, backward and repeated times, between and at frame times.
        for t: Int64 in [0, 100_000, 250_000, 3_000_000, 14_750_000, 1_250_001, 7_500_000, 7_499_999, 14_000_000, 20_000_000] {
            let k = Int(min(59, t / 250_000))
            #expect(renderer.render(at: t).pixels == ScreenSample.frame(k, width: 64, height: 48).pixels, "at \(t) µs")
        }
        #expect(renderer.damagedChunks.isEmpty)
    }

    @Test func renderInTheLastMinuteOfALongRecordingReadsBoundedChunks() throws {
        // 20 minutes, a change every second, keyframes every 30 s: about 1200 chunks.
        let path = try record(frames: 1200, step: 1_000_000, width: 320, height: 240)
        let reader = try RecordingReader(path: path)
        #expect(reader.entries.count >= 1200)
        let before = reader.chunkReads
        let t: Int64 = 1_170_500_000
        let image = ScreenRenderer(reader: reader).render(at: t)
        #expect(image.pixels == ScreenSample.frame(1170, width: 320, height: 240).pixels)
        let reads = reader.chunkReads - before
        #expect(reads <= 32, "render read \(reads) chunks of \(reader.entries.count)")
    }

    @Test func aTruncatedCopyRendersUpToItsLastChunk() throws {
        let path = try record(frames: 30, step: 200_000, close: false)
        let reader = try RecordingReader(path: path)
        #expect(reader.status == .truncated)
        #expect(ScreenRenderer(reader: reader).render(at: reader.endMicros).pixels == ScreenSample.frame(29, width: 64, height: 48).pixels)
    }

    @Test func beforeTheFirstKeyframeTheScreenIsBlackOfTheMetadataSize() throws {
        let path = ScreenSample.tempPath()
        let writer = try RecordingWriter(path: path, metadata: ScreenSample.metadata(width: 8, height: 4))
        try writer.append(.pointerMove(x: 1, y: 1), atMicros: 0)
        try writer.append(.screenKeyframe(ScreenImage(width: 2, height: 1, format: .rgb888, pixels: [1, 2, 3, 4, 5, 6])), atMicros: 5_000_000)
        try writer.close()
        let renderer = ScreenRenderer(reader: try RecordingReader(path: path))
        let black = renderer.render(at: 1_000_000)
        #expect(black.width == 8 && black.height == 4 && black.pixels.allSatisfy { $0 == 0 })
        let after = renderer.render(at: 5_000_000)
        #expect(after.width == 2 && after.pixel(x: 1, y: 0) == (6, 5, 4))
    }

    @Test func otherPixelFormatsAreConverted() {
        var fb = Framebuffer(width: 2, height: 1)
        fb.draw(ScreenDelta(format: .rgb565, rects: [PixelRect(x: 1, y: 0, width: 1, height: 1, pixels: [0x00, 0xF8])]))
        #expect(fb.pixel(x: 1, y: 0) == (0, 0, 255))
        #expect(fb.pixel(x: 0, y: 0) == (0, 0, 0))
    }

    @Test func pngRoundTrip() throws {
        let image = ScreenSample.frame(3, width: 37, height: 21)
        var fb = Framebuffer(width: 37, height: 21)
        fb.draw(image)
        let path = ScreenSample.tempPath() + ".png"
        try PNGFile.write(fb, to: path)
        let back = try PNGFile.read(path)
        #expect(back.width == 37 && back.height == 21)
        #expect(back.rgbBytes() == fb.rgbBytes())
        #expect(throws: PNGFile.Failure.self) { try PNGFile.read("/nonexistent/x.png") }
    }
}
