import PsrecFormat
import PsrecScreen

/// One segment of a screen recording as the page's player draws it: the screen as it is
/// just before the segment's first chunk (a snapshot the server draws from the last keyframe,
/// exactly as `ScreenRenderer` does), then every drawing and pointer event of the segment's
/// chunks, with all pixels converted to RGBA so that the page copies them into an
/// `ImageData` as they are.
///
/// The screen at session time `t` inside the segment is the snapshot with every event at or
/// before `t` applied in order: what `ScreenRenderer.render(at: t)` gives.
///
/// Wire format (`application/octet-stream`), little-endian:
///
/// ```
/// "PSRZ" u32 decodedBytes | zlib stream (RFC 1950) of the body:
/// body:  "PSRS" u8 version=1 u8 0 u16 0
///        i64 startMicros  i64 endMicros  u32 firstChunk  u32 chunkCount  u32 damagedChunks
///        i32 pointerX  i32 pointerY            (-1, -1: no pointer yet)
///        u32 width  u32 height  RGBA[width*height*4]      (0 × 0 when the segment starts
///                                                          with a keyframe: no snapshot)
///        u32 eventCount, then per event: u8 kind  i64 timeMicros  and
///          1 keyframe  u32 width  u32 height  RGBA[...]
///          2 delta     u32 rectCount, per rect: u32 x  u32 y  u32 w  u32 h  RGBA[w*h*4]
///          3 pointer   i32 x  i32 y
///          4 click     i32 x  i32 y  u8 button
/// ```
///
/// The page decompresses the body with `DecompressionStream("deflate")`.
struct ScreenSegment {
    enum Kind: UInt8 { case keyframe = 1, delta = 2, pointer = 3, click = 4 }

    /// Most chunks read back from a segment's start to find a keyframe. The recorder writes
    /// one at least every 90 chunks (`ScreenRecorderOptions.keyframeEveryChunks`); a file
    /// without keyframes for longer is answered with a 422 rather than read to its start.
    static let maxChunksBack = 1024
    /// Largest body served (before compression): about eleven full-HD screens, or three 4K ones. A segment whose events
    /// would need more is refused, so that one request never holds more than this.
    static let maxBodyBytes = 96 << 20

    /// A segment that cannot be served, with the sentence saying why.
    struct Refusal: Error { var sentence: String }

    /// The body of `segment` of the recording `reader` reads (before compression).
    /// - Throws: `Refusal` when no keyframe is found within `maxChunksBack` chunks or the
    ///   body would pass `maxBodyBytes`.
    /// - Complexity: decodes the chunks from the last keyframe before the segment to its end.
    static func body(_ reader: RecordingReader, segment: ScreenSegmentPlan.Segment) throws(Refusal) -> [UInt8] {
        let first = decode(reader, entry: segment.firstEntry)
        var damaged = first == nil ? 1 : 0
        var snapshot = blank(reader)
        var pointer: (x: Int, y: Int)?
        if let head = first?.first, case .screenKeyframe = head.event {
            snapshot = Framebuffer(width: 0, height: 0)
        } else {
            // Walk back to a chunk that starts with a keyframe, as ScreenRenderer does.
            var back: [[TimedEvent]] = []
            var i = segment.firstEntry - 1
            while i >= 0 {
                defer { i -= 1 }
                guard segment.firstEntry - i <= maxChunksBack else {
                    throw Refusal(sentence: "No keyframe in the \(maxChunksBack) chunks before this segment; the recording cannot be drawn here.")
                }
                guard let events = decode(reader, entry: i) else { continue }
                back.append(events)
                if let head = events.first, case .screenKeyframe = head.event { break }
            }
            for events in back.reversed() {
                for event in events {
                    switch event.event {
                    case .screenKeyframe(let image): snapshot.draw(image)
                    case .screenDelta(let delta): snapshot.draw(delta)
                    case .pointerMove(let x, let y), .click(let x, let y, _): pointer = (x, y)
                    default: break
                    }
                }
            }
        }
        var out = ByteWriter()
        out.bytes.append(contentsOf: Array("PSRS".utf8) + [1, 0, 0, 0])
        out.int64(segment.startMicros); out.int64(segment.endMicros)
        out.uint32(segment.firstEntry); out.uint32(segment.entryCount)
        let damagedAt = out.bytes.count
        out.uint32(0)
        out.int32(pointer?.x ?? -1); out.int32(pointer?.y ?? -1)
        try out.rgba(snapshot)
        snapshot = Framebuffer(width: 0, height: 0)
        let countAt = out.bytes.count
        out.uint32(0)
        var count = 0
        // One chunk decoded at a time: memory is the body plus one chunk.
        for i in segment.firstEntry..<(segment.firstEntry + segment.entryCount) {
            let decoded = i == segment.firstEntry ? first : decode(reader, entry: i)
            guard let events = decoded else {
                if i != segment.firstEntry { damaged += 1 }
                continue
            }
            for event in events {
                switch event.event {
                case .screenKeyframe(let image):
                    var frame = Framebuffer(width: 0, height: 0)
                    frame.draw(image)
                    out.kind(.keyframe, event.timeMicros)
                    try out.rgba(frame)
                case .screenDelta(let delta):
                    out.kind(.delta, event.timeMicros)
                    out.uint32(delta.rects.count)
                    for rect in delta.rects {
                        var tile = Framebuffer(width: rect.width, height: rect.height)
                        tile.draw(ScreenDelta(format: delta.format, rects: [PixelRect(x: 0, y: 0, width: rect.width, height: rect.height, pixels: rect.pixels)]))
                        out.uint32(rect.x); out.uint32(rect.y)
                        try out.rgba(tile)
                    }
                case .pointerMove(let x, let y):
                    out.kind(.pointer, event.timeMicros)
                    out.int32(x); out.int32(y)
                case .click(let x, let y, let button):
                    out.kind(.click, event.timeMicros)
                    out.int32(x); out.int32(y); out.bytes.append(button)
                default: continue
                }
                count += 1
            }
        }
        out.set(uint32: damaged, at: damagedAt)
        out.set(uint32: count, at: countAt)
        return out.bytes
    }

    /// Compressed for the wire: "PSRZ", the body's length, the zlib stream.
    static func wire(_ body: [UInt8]) throws -> [UInt8] {
        var out = ByteWriter()
        out.bytes.append(contentsOf: Array("PSRZ".utf8))
        out.uint32(body.count)
        out.bytes += try body.withUnsafeBytes { raw in try Compressor().compress(raw, codec: .zlib, level: 1) }
        return out.bytes
    }

    /// The screen before any keyframe, as `ScreenRenderer` starts.
    static func blank(_ reader: RecordingReader) -> Framebuffer { ScreenRenderer.blank(reader) }

    /// The events of chunk `entry`, or nil when it fails its checks (skipped whole, as
    /// `ScreenRenderer` skips it).
    static func decode(_ reader: RecordingReader, entry i: Int) -> [TimedEvent]? { ScreenRenderer.events(of: reader, entry: i) }

    /// Little-endian output with the body's size bound.
    private struct ByteWriter {
        var bytes: [UInt8] = []

        mutating func uint32(_ value: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            bytes += [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        }
        mutating func int32(_ value: Int) { uint32(Int(Int32(clamping: value))) }
        mutating func int64(_ value: Int64) {
            for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * k))) }
        }
        mutating func kind(_ kind: Kind, _ time: Int64) {
            bytes.append(kind.rawValue)
            int64(time)
        }
        mutating func set(uint32 value: Int, at offset: Int) {
            let v = UInt32(truncatingIfNeeded: value)
            bytes[offset] = UInt8(v & 0xFF); bytes[offset + 1] = UInt8(v >> 8 & 0xFF)
            bytes[offset + 2] = UInt8(v >> 16 & 0xFF); bytes[offset + 3] = UInt8(v >> 24)
        }
        /// Size, then the pixels as RGBA with an opaque alpha (the recording's alpha is not
        /// shown: `psrec render` writes RGB).
        mutating func rgba(_ frame: Framebuffer) throws(Refusal) {
            guard bytes.count + frame.pixels.count + 8 <= ScreenSegment.maxBodyBytes else {
                throw Refusal(sentence: "This segment holds more than \(ScreenSegment.maxBodyBytes >> 20) MiB of pixels; it is too large to serve.")
            }
            uint32(frame.width); uint32(frame.height)
            let start = bytes.count
            bytes += frame.pixels
            bytes.withUnsafeMutableBufferPointer { out in
                var i = start
                while i < out.count {
                    let b = out[i]
                    out[i] = out[i + 2]; out[i + 2] = b; out[i + 3] = 0xFF
                    i += 4
                }
            }
        }
    }
}
