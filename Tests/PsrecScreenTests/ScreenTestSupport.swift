import Foundation
import PsrecFormat
@testable import PsrecScreen

/// Synthetic screens and recordings shared by the screen tests.
enum ScreenSample {
    static func metadata(width: Int, height: Int) -> RecordingMetadata {
        RecordingMetadata(sessionProtocol: .rdp, startUnixMicros: 1_764_000_000_000_000, user: "alice",
                          application: "win-prod", screen: .init(width: width, height: height), captureTool: "psrec-tests")
    }

    /// A fixed gradient.
    static func background(width: Int, height: Int) -> ScreenImage {
        var pixels = [UInt8](repeating: 0xFF, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 4
                pixels[i] = UInt8(truncatingIfNeeded: x * 3); pixels[i + 1] = UInt8(truncatingIfNeeded: y * 5); pixels[i + 2] = 40
            }
        }
        return ScreenImage(width: width, height: height, format: .bgra8888, pixels: pixels)
    }

    /// Frame `k`: the gradient with a 10×6 block whose position and colour depend on `k`.
    static func frame(_ k: Int, width: Int, height: Int, background: ScreenImage? = nil) -> ScreenImage {
        var image = background ?? Self.background(width: width, height: height)
        let bx = (k * 7) % max(1, width - 10), by = (k * 3) % max(1, height - 6)
        for y in by..<(by + 6) {
            for x in bx..<(bx + 10) {
                let i = (y * width + x) * 4
                image.pixels[i] = UInt8(truncatingIfNeeded: k * 31); image.pixels[i + 1] = 200; image.pixels[i + 2] = UInt8(truncatingIfNeeded: k * 17)
            }
        }
        return image
    }

    static func tempPath(_ name: String = "screen") -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-screen-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("\(name).psrec").path
    }

    /// Events of every EVENTS chunk of a file, chunk by chunk.
    static func chunks(_ path: String) throws -> [[TimedEvent]] {
        let reader = try RecordingReader(path: path)
        return try reader.entries.map { entry in
            let (chunk, payload) = try reader.readEvents(entry)
            var events: [TimedEvent] = []
            try payload.withUnsafeBytes { raw in
                try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { events.append(TimedEvent(timeMicros: $0.timeMicros, event: try $0.decoded())) }
            }
            return events
        }
    }
}
