import Foundation
import PsrecFormat
import Testing
@testable import PsrecScreen

@Suite struct ScreenRecorderTests {
    let width = 100, height = 70

    func recorder(_ path: String, options: ScreenRecorderOptions = ScreenRecorderOptions(), size: (Int, Int)? = nil) throws -> ScreenRecorder {
        let (w, h) = size ?? (width, height)
        let writer = try RecordingWriter(path: path, metadata: ScreenSample.metadata(width: w, height: h))
        return ScreenRecorder(writer: writer, width: w, height: h, options: options)
    }

    @Test func firstFrameIsAKeyframeAndIdenticalFramesWriteNothing() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        let f = ScreenSample.frame(0, width: width, height: height)
        try r.frame(f, atMicros: 0)
        let bytesAfterFirst = r.writer.eventsWritten
        for t in 1...50 { try r.frame(f, atMicros: Int64(t) * 100_000) }
        #expect(r.writer.eventsWritten == bytesAfterFirst)
        #expect(r.statistics.identicalFrames == 50)
        try r.close(endMicros: 60_000_000)
        let events = try ScreenSample.chunks(path).flatMap { $0 }
        #expect(events.count == 1)
        guard case .screenKeyframe(let image) = events[0].event else { Issue.record("not a keyframe"); return }
        #expect(image == f)
    }

    @Test func changedTilesBecomeOneDeltaWithMergedRectangles() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        let f = ScreenSample.frame(0, width: width, height: height)
        try r.frame(f, atMicros: 0)
        var g = f
        // Change two pixels in tiles (1,0) and (2,0) and one in tile (0,2) (32-pixel tiles).
        for (x, y) in [(40, 3), (70, 10), (5, 65)] { g.pixels[(y * width + x) * 4] ^= 0xFF }
        try r.frame(g, atMicros: 100_000)
        try r.close()
        let events = try ScreenSample.chunks(path).flatMap { $0 }
        guard case .screenDelta(let delta) = events.last?.event else { Issue.record("no delta"); return }
        let rects = delta.rects.map { ScreenRect(x: $0.x, y: $0.y, width: $0.width, height: $0.height) }
        #expect(rects == [ScreenRect(x: 32, y: 0, width: 64, height: 32), ScreenRect(x: 0, y: 64, width: 32, height: 6)])
        var screen = Framebuffer(width: width, height: height)
        screen.draw(f)
        screen.draw(delta)
        #expect(screen.pixels == g.pixels)
    }

    @Test func damageLimitsWhatIsCompared() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        try r.frame(ScreenSample.frame(0, width: width, height: height), atMicros: 0)
        var g = ScreenSample.frame(0, width: width, height: height)
        g.pixels[(5 * width + 5) * 4] ^= 0xFF
        try r.frame(g, damage: [ScreenRect(x: 60, y: 40, width: 10, height: 10)], atMicros: 1)
        #expect(r.statistics.deltas == 0)
        try r.frame(g, damage: [ScreenRect(x: 0, y: 0, width: 8, height: 8)], atMicros: 2)
        #expect(r.statistics.deltas == 1)
        try r.close()
    }

    @Test func keyframesRecurAfterTheIntervalAndAlwaysStartAChunk() throws {
        let path = ScreenSample.tempPath()
        var options = ScreenRecorderOptions()
        options.keyframeIntervalMicros = 5_000_000
        // A large screen, so the deltas never add up to a whole screen (which also makes a keyframe).
        let r = try recorder(path, options: options, size: (640, 480))
        for k in 0..<40 {
            try r.frame(ScreenSample.frame(k, width: 640, height: 480), atMicros: Int64(k) * 400_000)
            try r.pointerMoved(x: k, y: k, atMicros: Int64(k) * 400_000)
        }
        try r.close()
        let chunks = try ScreenSample.chunks(path)
        var keyframeTimes: [Int64] = []
        for events in chunks {
            for (i, e) in events.enumerated() {
                if case .screenKeyframe = e.event {
                    #expect(i == 0, "a keyframe is the first event of its chunk")
                    keyframeTimes.append(e.timeMicros)
                }
            }
        }
        #expect(keyframeTimes == [0, 5_200_000, 10_400_000, 15_600_000])
    }

    @Test func chunkBoundKeyframeWithoutScreenChanges() throws {
        let path = ScreenSample.tempPath()
        var options = ScreenRecorderOptions()
        options.keyframeEveryChunks = 10
        let r = try recorder(path, options: options)
        try r.frame(ScreenSample.frame(0, width: width, height: height), atMicros: 0)
        for k in 1...40 { try r.button(1, pressed: true, x: k, y: 1, atMicros: Int64(k) * 1_000) }
        try r.close()
        #expect(r.statistics.keyframes >= 4)
        #expect(r.statistics.clicks == 40)
    }

    @Test func clicksAreIndicatorsButWheelAndReleasesAreNot() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        try r.frame(ScreenSample.frame(0, width: width, height: height), atMicros: 0)
        try r.button(1, pressed: true, x: 10, y: 20, atMicros: 1_000)
        try r.button(1, pressed: false, x: 10, y: 20, atMicros: 2_000)
        try r.button(4, pressed: true, x: 10, y: 20, atMicros: 3_000)
        try r.button(3, pressed: true, x: 50, y: 60, atMicros: 4_000)
        try r.close()
        let reader = try RecordingReader(path: path)
        #expect(reader.indicators.map(\.kind) == [.click, .click])
        #expect(reader.indicators.map(\.detail) == ["10,20,1", "50,60,3"])
    }

    @Test func enterAndShortcutsAreCommandsAndTextStaysOutUnlessAsked() throws {
        for recordsKeys in [false, true] {
            let path = ScreenSample.tempPath()
            let r = try recorder(path, options: ScreenRecorderOptions(recordsKeys: recordsKeys))
            try r.frame(ScreenSample.frame(0, width: width, height: height), atMicros: 0)
            var t: Int64 = 1
            func press(_ keysym: UInt32) throws {
                try r.key(keysym: keysym, down: true, atMicros: t); t += 1
                try r.key(keysym: keysym, down: false, atMicros: t); t += 1
            }
            for c in "ls -la".unicodeScalars { try press(c.value) }
            try press(0xFF0D)                                      // Return
            try r.key(keysym: 0xFFE3, down: true, atMicros: t)    // Control_L held
            try press(0x63)                                        // c
            try r.key(keysym: 0xFFE3, down: false, atMicros: t)
            try press(0x78)                                        // x, no shortcut
            try press(0xFF8D)                                      // KP_Enter
            try r.close()
            let reader = try RecordingReader(path: path)
            #expect(reader.indicators.map(\.kind) == [.command, .command, .command])
            #expect(reader.indicators.map(\.detail) == (recordsKeys ? ["ls -la", "Ctrl+C", "x"] : ["", "Ctrl+C", ""]))
            let keys = reader.events().filter { $0.event.type == .key }.count
            #expect(keys == (recordsKeys ? 22 : 0))
        }
    }

    @Test func callerRectanglesAreDiffedAgainstTheScreen() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        let f = ScreenSample.frame(0, width: width, height: height)
        try r.frame(f, atMicros: 0)
        let same = PixelRect(x: 0, y: 0, width: 2, height: 1, pixels: Array(f.pixels[0..<8]))
        try r.update([same], atMicros: 1)
        #expect(r.statistics.deltas == 0)
        let red = PixelRect(x: 98, y: 68, width: 4, height: 4, pixels: [UInt8](repeating: 0x80, count: 64))
        try r.update([red], atMicros: 2)
        try r.close()
        let events = try ScreenSample.chunks(path).flatMap { $0 }
        guard case .screenDelta(let delta) = events.last?.event else { Issue.record("no delta"); return }
        #expect(delta.rects.map(\.width) == [2] && delta.rects.map(\.height) == [2], "clipped to the screen")
    }

    @Test func liveRecordingFlushesEverySecondAndIsReadableWhileOpen() throws {
        let path = ScreenSample.tempPath()
        let r = try recorder(path)
        try r.frame(ScreenSample.frame(0, width: width, height: height), atMicros: 0)
        try r.pointerMoved(x: 3, y: 4, atMicros: 500_000)
        try r.flushIfDue(nowMicros: 900_000)
        #expect(try RecordingReader(path: path).entries.isEmpty)
        try r.flushIfDue(nowMicros: 1_000_000)
        let live = try RecordingReader(path: path)
        #expect(live.status == .truncated && live.entries.count == 1)
        #expect(ScreenRenderer(reader: live).render(at: 1_000_000).pixels == ScreenSample.frame(0, width: width, height: height).pixels)
        try r.close()
    }
}
