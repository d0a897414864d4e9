import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecScreen
@testable import PsrecWeb

/// Screen recordings made with the library's own recorder, and a client that reads the
/// screen player's binary segments as bytes.
enum ScreenWebSample {
    static let width = 160, height = 120

    /// Frame `k`: a gradient with a block whose place and colour depend on `k`.
    static func frame(_ k: Int, width: Int = width, height: Int = height) -> ScreenImage {
        var pixels = [UInt8](repeating: 0xFF, count: width * height * 4)
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 4
                pixels[i] = UInt8(truncatingIfNeeded: x * 3); pixels[i + 1] = UInt8(truncatingIfNeeded: y * 5); pixels[i + 2] = 40
            }
        }
        let bx = (k * 7) % (width - 12), by = (k * 3) % (height - 8)
        for y in by..<(by + 8) {
            for x in bx..<(bx + 12) {
                let i = (y * width + x) * 4
                pixels[i] = UInt8(truncatingIfNeeded: k * 31); pixels[i + 1] = 200; pixels[i + 2] = UInt8(truncatingIfNeeded: k * 17)
            }
        }
        return ScreenImage(width: width, height: height, format: .bgra8888, pixels: pixels)
    }

    /// Times of the frames: every 250 ms for `seconds`, with no activity at all from 12 s to
    /// 18 s (the stretch "skip inactivity" skips).
    static func frameTimes(seconds: Int) -> [Int64] {
        stride(from: Int64(0), to: Int64(seconds) * 1_000_000, by: 250_000).filter { !(12_000_000..<18_000_000).contains($0) }
    }

    /// The bytes of a screen recording: frames through the recorder (keyframes every 4 s),
    /// pointer moves, clicks, and two deltas in the 16- and 24-bit formats the recorder
    /// never writes, so that the page's conversions are checked too.
    static func recording(id: UUID = UUID(), seconds: Int = 30, user: String = "alice", application: String = "win-prod", host: String = "rdp1",
                          width: Int = width, height: Int = height) throws -> [UInt8] {
        let sink = MemorySink()
        let meta = RecordingMetadata(recordingID: id, sessionProtocol: .rdp, startUnixMicros: 1_764_000_000_000_000, user: user,
                                     application: application, host: host, screen: .init(width: width, height: height), captureTool: "psrec-tests", owner: user)
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: WriterOptions(codec: .zstd))
        var options = ScreenRecorderOptions()
        options.keyframeIntervalMicros = 4_000_000
        let recorder = ScreenRecorder(writer: writer, width: width, height: height, options: options)
        var end: Int64 = 0
        for (k, t) in frameTimes(seconds: seconds).enumerated() {
            try recorder.frame(frame(k, width: width, height: height), atMicros: t)
            try recorder.pointerMoved(x: (k * 5) % width, y: (k * 2) % height, atMicros: t + 1_000)
            if k % 9 == 4 {
                try recorder.button(1, pressed: true, x: (k * 11) % width, y: (k * 13) % height, atMicros: t + 2_000)
                try recorder.button(1, pressed: false, x: (k * 11) % width, y: (k * 13) % height, atMicros: t + 3_000)
            }
            if k == 10 {
                try writer.append(Event.screenDelta(ScreenDelta(format: .rgb565, rects: [PixelRect(x: width - 10, y: height - 10, width: 20, height: 4, pixels: (0..<(20 * 4 * 2)).map { UInt8(truncatingIfNeeded: $0 * 37) })])), atMicros: t + 4_000)
            }
            if k == 30 {
                try writer.append(Event.screenDelta(ScreenDelta(format: .rgb888, rects: [PixelRect(x: 3, y: 5, width: 7, height: 3, pixels: (0..<(7 * 3 * 3)).map { UInt8(truncatingIfNeeded: $0 * 53) })])), atMicros: t + 4_000)
            }
            try recorder.flushIfDue(nowMicros: t + 5_000)
            end = t + 5_000
        }
        try recorder.close(endMicros: end)
        return sink.bytes
    }

    /// The screen at `t` from a segment the server sent: its snapshot (or a blank screen of
    /// the metadata's size) with every event at or before `t` applied, as the page does.
    static func draw(_ segment: DecodedSegment, at t: Int64, blank: Framebuffer) -> (Framebuffer, (x: Int, y: Int)?) {
        var screen = segment.snapshot.width > 0 ? segment.snapshot : blank
        var pointer = segment.pointer
        for event in segment.events where event.timeMicros <= t {
            switch event.kind {
            case 1: screen = event.image!
            case 2:
                for (x, y, tile) in event.rects { screen.paste(tile, x: x, y: y) }
            default: pointer = (event.x, event.y)
            }
        }
        return (screen, pointer)
    }
}

/// A segment as `ScreenSegment` writes it, parsed back (pixels kept as RGBA in a
/// `Framebuffer`'s storage, so compare them channel-swapped: `rgb(_:)`).
struct DecodedSegment {
    struct Event {
        var kind: UInt8
        var timeMicros: Int64
        var image: Framebuffer?
        var rects: [(Int, Int, Framebuffer)] = []
        var x = 0, y = 0
    }
    var startMicros: Int64, endMicros: Int64
    var firstChunk: Int, chunkCount: Int, damaged: Int
    var pointer: (x: Int, y: Int)?
    var snapshot: Framebuffer
    var events: [Event]
    var wireBytes: Int

    init(wire: [UInt8]) throws {
        guard wire.count >= 8, Array(wire[0..<4]) == Array("PSRZ".utf8) else { throw TestFailure("a segment starts with PSRZ") }
        let length = Int(UInt32(wire[4]) | UInt32(wire[5]) << 8 | UInt32(wire[6]) << 16 | UInt32(wire[7]) << 24)
        let body = try Array(wire[8...]).withUnsafeBytes { try Compressor().decompress($0, codec: .zlib, decodedLength: length) }
        wireBytes = wire.count
        var o = 0
        func u32() -> Int { defer { o += 4 }; return Int(UInt32(body[o]) | UInt32(body[o + 1]) << 8 | UInt32(body[o + 2]) << 16 | UInt32(body[o + 3]) << 24) }
        func i32() -> Int { Int(Int32(bitPattern: UInt32(u32()))) }
        func i64() -> Int64 { var v: UInt64 = 0; for k in 0..<8 { v |= UInt64(body[o + k]) << (8 * k) }; o += 8; return Int64(bitPattern: v) }
        func image() -> Framebuffer {
            let w = u32(), h = u32()
            defer { o += w * h * 4 }
            return Framebuffer(width: w, height: h, pixels: Array(body[o..<(o + w * h * 4)]))
        }
        guard Array(body[0..<4]) == Array("PSRS".utf8), body[4] == 1 else { throw TestFailure("a segment body starts with PSRS 1") }
        o = 8
        startMicros = i64(); endMicros = i64()
        firstChunk = u32(); chunkCount = u32(); damaged = u32()
        let px = i32(), py = i32()
        pointer = px >= 0 ? (px, py) : nil
        snapshot = image()
        let count = u32()
        events = []
        for _ in 0..<count {
            let kind = body[o]; o += 1
            var event = Event(kind: kind, timeMicros: i64())
            switch kind {
            case 1: event.image = image()
            case 2: for _ in 0..<u32() { let x = u32(), y = u32(); event.rects.append((x, y, image())) }
            case 3: event.x = i32(); event.y = i32()
            case 4: event.x = i32(); event.y = i32(); o += 1
            default: throw TestFailure("unknown event kind \(kind)")
            }
            events.append(event)
        }
        guard o == body.count else { throw TestFailure("a segment has \(body.count - o) bytes after its events") }
    }
}

extension Framebuffer {
    /// RGB bytes of an RGBA framebuffer (as the segments carry them).
    func rgbFromRGBA() -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(width * height * 3)
        for i in stride(from: 0, to: pixels.count, by: 4) { out += [pixels[i], pixels[i + 1], pixels[i + 2]] }
        return out
    }
}

extension WebTestServer {
    /// Imports a screen recording (`ScreenWebSample.recording`) and returns its UUID and
    /// the file it was imported from.
    func importScreenRecording(seconds: Int = 30, user: String = "alice", application: String = "win-prod", host: String = "rdp1",
                               width: Int = ScreenWebSample.width, height: Int = ScreenWebSample.height) throws -> (id: String, path: String) {
        let id = UUID()
        let path = dir.appendingPathComponent("\(id).psrec").path
        try Data(try ScreenWebSample.recording(id: id, seconds: seconds, user: user, application: application, host: host, width: width, height: height)).write(to: URL(fileURLWithPath: path))
        _ = try catalog.importRecording(path: path, actor: "test")
        return (id.uuidString.lowercased(), path)
    }

    /// A GET whose answer body is kept as bytes (the segments are binary).
    func getBytes(_ target: String, cookie: String?) async throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        let bytes = Array((request + "\r\n").utf8), port = self.port
        let raw: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try HTTPTestClient.exchange(bytes, port: port) }) }.start()
        }
        guard let end = raw.firstRange(of: Array("\r\n\r\n".utf8)) else { throw TestFailure("no HTTP answer") }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1])!
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(raw[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var out: [UInt8] = [], rest = body[...]
            while let lineEnd = rest.firstRange(of: Array("\r\n".utf8)),
                  let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16), size > 0 {
                out += rest[lineEnd.upperBound..<(lineEnd.upperBound + size)]
                rest = rest[(lineEnd.upperBound + size + 2)...]
            }
            body = out
        }
        return (status, headers, body)
    }
}

/// The index as the page reads it.
struct ScreenIndexJSON: Decodable {
    struct Indicator: Decodable { var kind: String; var timeMicros: Int64; var detail: String; var x: Int?; var y: Int?; var button: Int? }
    var id: String
    var state: String
    var live: Bool
    var startUnixMicros: Int64
    var durationMicros: Int64
    var width: Int
    var height: Int
    var segments: [[Int64]]
    var idle: [[Int64]]
    var heat: [Int]
    var heatBinMicros: Int64
    var indicators: [Indicator]

    /// The segment that shows `t`: the last one starting at or before it.
    func segment(at t: Int64) -> Int { max(0, (segments.lastIndex { $0[0] <= t }) ?? 0) }
}
