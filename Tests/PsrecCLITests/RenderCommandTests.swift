import Foundation
import PsrecFormat
import PsrecScreen
import Testing
import PsrecTestSupport

/// Screen recordings made with `ScreenRecorder`, for the render, contact-sheet and export tests.
enum ScreenFixture {
    static let width = 160, height = 100

    /// Frame `k`: a grey screen with a white bar `k * 10` pixels wide.
    static func frame(_ k: Int) -> ScreenImage {
        var pixels = [UInt8](repeating: 0x40, count: width * height * 4)
        for y in 40..<60 { for x in 0..<min(width, k * 10) { for c in 0..<3 { pixels[(y * width + x) * 4 + c] = 0xFF } } }
        return ScreenImage(width: width, height: height, format: .bgra8888, pixels: pixels)
    }

    /// Ten frames, one a second, a click at 2.5 s and an Enter at 6.5 s.
    static func make(in dir: URL, close: Bool = true) throws -> String {
        let path = dir.appendingPathComponent("screen.psrec").path
        let meta = RecordingMetadata(sessionProtocol: .rdp, startUnixMicros: 1_764_000_000_000_000, user: "alice",
                                     screen: .init(width: width, height: height))
        let recorder = ScreenRecorder(writer: try RecordingWriter(path: path, metadata: meta), width: width, height: height)
        for k in 0..<10 {
            try recorder.frame(frame(k), atMicros: Int64(k) * 1_000_000)
            if k == 2 { try recorder.button(1, pressed: true, x: 20, y: 50, atMicros: 2_500_000) }
            if k == 6 {
                try recorder.key(keysym: 0xFF0D, down: true, atMicros: 6_500_000)
                try recorder.key(keysym: 0xFF0D, down: false, atMicros: 6_500_001)
            }
        }
        if close { try recorder.close(endMicros: 10_000_000) } else { try recorder.writer.flush(); try recorder.writer.abandon() }
        return path
    }
}

@Suite struct RenderCommandTests {
    @Test func rendersTheScreenAtAMoment() throws {
        let dir = CLI.tempDir()
        let file = try ScreenFixture.make(in: dir)
        for (at, k) in [("3.5", 3), ("0", 0), ("end", 9), ("1m", 9)] {
            let png = dir.appendingPathComponent("f.png").path
            let result = try CLI.run(["render", file, "--at", at, "-o", png])
            #expect(result.status == 0, "\(result.stderr)")
            let image = try PNGFile.read(png)
            var expected = Framebuffer(width: ScreenFixture.width, height: ScreenFixture.height)
            expected.draw(ScreenFixture.frame(k))
            #expect(image.rgbBytes() == expected.rgbBytes(), "--at \(at)")
        }
    }

    @Test func truncatedFilesRenderAndSaySo() throws {
        let dir = CLI.tempDir()
        let file = try ScreenFixture.make(in: dir, close: false)
        let png = dir.appendingPathComponent("f.png").path
        let result = try CLI.run(["render", file, "--at", "end", "-o", png])
        #expect(result.status == 1)
        #expect(try PNGFile.read(png).width == ScreenFixture.width)
    }

    @Test func badTimeIsAUsageError() throws {
        let dir = CLI.tempDir()
        let file = try ScreenFixture.make(in: dir)
        let result = try CLI.run(["render", file, "--at", "soon", "-o", dir.appendingPathComponent("f.png").path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("is invalid for '--at <time>': it is not a session time"), "\(result.stderr)")
    }

    @Test func aTerminalRecordingHasNothingToDraw() throws {
        let dir = CLI.tempDir()
        let result = try CLI.run(["render", CLI.vector("minimal.psrec"), "--at", "0", "-o", dir.appendingPathComponent("f.png").path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("empty"))
    }
}
