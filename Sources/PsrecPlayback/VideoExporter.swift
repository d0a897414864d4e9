import Foundation
public import PsrecFormat
import PsrecScreen
#if canImport(Glibc)
import Glibc
#endif

/// Makes an MP4 of a screen recording by drawing it at a fixed frame rate and piping the raw
/// BGRA frames to `ffmpeg` (H.264, yuv420p). Used by `psrec export --format mp4`.
///
/// With `skipInactivityMicros`, every stretch longer than that without any recorded event
/// (as seen from the seek index: the gaps between chunks) is shortened to it; `speed` then
/// divides the whole timeline.
public struct VideoExporter {
    /// The screen recording to draw.
    public let reader: RecordingReader
    /// Frames per second of the video.
    public var framesPerSecond = 10
    /// Speed factor: 2 makes a video half as long as the recording.
    public var speed = 1.0
    /// Longest stretch without events shown in full, or nil to show every stretch.
    public var skipInactivityMicros: Int64?
    /// The ffmpeg to run, found through `PATH` unless a path is given.
    public var ffmpeg = "ffmpeg"

    /// An exporter of `reader` at 10 frames per second, at the recorded speed.
    public init(reader: RecordingReader) {
        self.reader = reader
    }

    /// Session time shown by the video at output time `o` (µs), as a piecewise mapping.
    public struct Timeline {
        /// (session start, output start) of each stretch played at normal speed.
        public private(set) var stretches: [(session: Int64, output: Int64)] = [(0, 0)]
        /// The video's length before the speed applies, in microseconds.
        public private(set) var outputDuration: Int64

        /// The timeline of a recording whose chunks span `entries`, with stretches longer
        /// than `skipAfter` between chunks shortened to it.
        public init(entries: [SeekEntry], durationMicros: Int64, skipAfter: Int64?) {
            var output: Int64 = 0
            var last: Int64 = 0
            if let skip = skipAfter {
                for entry in entries {
                    if entry.startMicros - last > skip {
                        output += skip
                        stretches.append((entry.startMicros, output))
                    } else {
                        output += entry.startMicros - last
                    }
                    output += entry.endMicros - entry.startMicros
                    last = entry.endMicros
                }
            }
            let tail = durationMicros - last
            outputDuration = output + (skipAfter.map { min(tail, $0) } ?? tail)
        }

        /// The session time shown at output time `o`.
        /// - Complexity: O(log n) in the number of stretches.
        public func sessionTime(atOutput o: Int64) -> Int64 {
            var low = 0, high = stretches.count
            while low < high {
                let mid = (low + high) / 2
                if stretches[mid].output <= o { low = mid + 1 } else { high = mid }
            }
            let s = stretches[max(0, low - 1)]
            return s.session + (o - s.output)
        }
    }

    /// Writes the video to `path` (replacing it); returns the number of frames.
    /// - Throws: `PlaybackError` with `.nothingToDraw` when the recording has no screen,
    ///   `.videoEncoderUnavailable` when ffmpeg cannot start, `.videoEncoderFailed` when it fails.
    public func write(to path: String) throws(PlaybackError) -> Int {
        let renderer = ScreenRenderer(reader: reader)
        var first = renderer.render(at: 0)
        let timeline = Timeline(entries: reader.entries, durationMicros: reader.durationMicros, skipAfter: skipInactivityMicros)
        // The size of the first keyframe, when the metadata has none.
        if first.width == 0, let t = reader.entries.first?.startMicros { first = renderer.render(at: t) }
        let width = first.width, height = first.height
        guard width > 0, height > 0 else {
            throw PlaybackError(.nothingToDraw, "The recording has no screen to draw (no keyframe and no screen size in its metadata)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y",
                             "-f", "rawvideo", "-pix_fmt", "bgra", "-s", "\(width)x\(height)", "-r", "\(framesPerSecond)", "-i", "-",
                             "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast",
                             "-pix_fmt", "yuv420p", "-movflags", "+faststart", path]
        let pipe = Pipe()
        process.standardInput = pipe
        do { try process.run() } catch {
            throw PlaybackError(.videoEncoderUnavailable, "Cannot start ffmpeg (\(error.localizedDescription)); install ffmpeg to export video")
        }
        signal(SIGPIPE, SIG_IGN)
        let fd = pipe.fileHandleForWriting.fileDescriptor
        let outputMicros = Int64(Double(timeline.outputDuration) / speed)
        let frames = Int(outputMicros * Int64(framesPerSecond) / 1_000_000) + 1
        var canvas = Framebuffer(width: width, height: height)
        var failed = false
        for n in 0..<frames {
            let o = Int64(Double(Int64(n) * 1_000_000 / Int64(framesPerSecond)) * speed)
            let image = renderer.render(at: min(timeline.sessionTime(atOutput: o), reader.durationMicros))
            let bytes: [UInt8]
            if image.width == width && image.height == height {
                bytes = image.pixels
            } else {
                canvas.fill(x: 0, y: 0, width: width, height: height, r: 0, g: 0, b: 0)
                canvas.paste(image, x: 0, y: 0)
                bytes = canvas.pixels
            }
            if !Self.writeAll(fd, bytes) { failed = true; break }
        }
        try? pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        if failed || process.terminationStatus != 0 {
            throw PlaybackError(.videoEncoderFailed, "ffmpeg could not write \(path) (exit status \(process.terminationStatus))")
        }
        return frames
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        SystemCalls.writeAll(fd, bytes)
    }
}
