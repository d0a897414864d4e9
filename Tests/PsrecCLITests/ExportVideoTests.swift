import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

/// `psrec export FILE --format mp4` on a screen recording, checked with ffprobe.
@Suite struct ExportVideoTests {
    static let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let ffprobe = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A 64x48 screen recording: a keyframe, a change at 1 s, then 20 s idle, a change at 21 s.
    func screenRecording(at path: String) throws {
        let meta = RecordingMetadata(sessionProtocol: .rdp, startUnixMicros: 0, user: "alice", screen: .init(width: 64, height: 48))
        let writer = try RecordingWriter(path: path, metadata: meta)
        let black = [UInt8](repeating: 0, count: 64 * 48 * 4)
        try writer.append(.screenKeyframe(ScreenImage(width: 64, height: 48, format: .bgra8888, pixels: black)), atMicros: 0)
        let white = [UInt8](repeating: 255, count: 16 * 16 * 4)
        try writer.append(.screenDelta(ScreenDelta(format: .bgra8888, rects: [PixelRect(x: 8, y: 8, width: 16, height: 16, pixels: white)])), atMicros: 1_000_000)
        try writer.append(.click(x: 10, y: 10, button: 1), atMicros: 1_000_001)
        try writer.append(.screenDelta(ScreenDelta(format: .bgra8888, rects: [PixelRect(x: 30, y: 20, width: 16, height: 16, pixels: white)])), atMicros: 21_000_000)
        try writer.close(endMicros: 22_000_000)
    }

    func duration(_ path: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.ffprobe))
        process.arguments = ["-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try #require(Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    @Test(.enabled(if: ffmpeg != nil && ffprobe != nil, "ffmpeg and ffprobe are needed"))
    func writesAVideoThatSkipInactivityAndSpeedShorten() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("screen.psrec").path
        try screenRecording(at: input)
        let full = dir.appendingPathComponent("full.mp4").path
        let r = try CLI.run(["export", input, "--format", "mp4", "-o", full])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(abs(try duration(full) - 22) < 0.5)
        let short = dir.appendingPathComponent("short.mp4").path
        #expect(try CLI.run(["export", input, "--format", "mp4", "--skip-inactivity=2", "--speed", "2", "-o", short]).status == 0)
        // 22 s with the 20 s idle stretch capped at 2 s is 4 s; at double speed, 2 s.
        #expect(abs(try duration(short) - 2) < 0.5)
        #expect(try CLI.run(["export", input, "--format", "mp4", "-o", short]).status == 64)  // exists
        #expect(try CLI.run(["export", CLI.vector("terminal-zstd.psrec"), "--format", "mp4", "-o", dir.appendingPathComponent("t.mp4").path]).status == 3)
        #expect(try CLI.run(["export", input, "--format", "mp4", "--fps", "0", "-o", dir.appendingPathComponent("x.mp4").path]).status == 64)
    }
}
