public import PsrecFormat

/// Records a graphical session into a psrec file from whatever a capture tool has: whole
/// frames, or rectangles it knows changed, plus pointer, button and key events
/// (`Spec/format.md#screen-recordings`).
///
/// ```swift
/// let recorder = ScreenRecorder(writer: writer, width: 1280, height: 900)
/// try recorder.frame(bgra, width: 1280, height: 900, bytesPerRow: 5120, atMicros: t)
/// try recorder.button(1, pressed: true, x: 40, y: 60, atMicros: t)
/// try recorder.flushIfDue(nowMicros: t)      // from a timer
/// try recorder.close(endMicros: t)
/// ```
/// - A frame is compared with the previous one in tiles; only changed tiles are written, as
///   merged rectangles in one `screen-delta`. An identical frame writes nothing.
/// - A `screen-keyframe` is written first, then at the first change after
///   `keyframeIntervalMicros`, after `keyframeEveryChunks` chunks, or when the deltas since
///   the last keyframe add up to more than a whole screen. A keyframe always starts a new chunk.
/// - A button press (1–3, 8, 9) is a click indicator; Enter and shortcuts are command indicators.
///
/// Memory: one screen image (the last frame) besides the writer's chunk.
public final class ScreenRecorder {
    /// What the recorder has done so far.
    public struct Statistics: Sendable, Equatable {
        /// Frames offered (`frame` and `update` calls).
        public var frames = 0
        /// Frames that changed nothing and wrote nothing.
        public var identicalFrames = 0
        /// Keyframes written.
        public var keyframes = 0
        /// Deltas written.
        public var deltas = 0
        /// Rectangles in those deltas.
        public var rectangles = 0
        /// Click indicators.
        public var clicks = 0
        /// Command indicators.
        public var commands = 0
    }

    /// The writer the recorder appends to.
    public let writer: RecordingWriter
    /// The options in force.
    public let options: ScreenRecorderOptions
    /// Current screen width.
    public private(set) var width: Int
    /// Current screen height.
    public private(set) var height: Int
    /// Counters.
    public private(set) var statistics = Statistics()

    private var screen: [UInt8]
    private var hasKeyframe = false
    private var lastKeyframeMicros: Int64 = 0
    private var chunksAtKeyframe = 0
    private var deltaBytesSinceKeyframe = 0
    private var keyboard: KeyboardTracker
    private var pointer: (x: Int, y: Int)?
    private let differ: TileDiffer

    /// A recorder for a screen of `width × height` pixels writing to `writer`.
    public init(writer: RecordingWriter, width: Int, height: Int, options: ScreenRecorderOptions = ScreenRecorderOptions()) {
        precondition((1...16_384).contains(width) && (1...16_384).contains(height), "screen sizes are 1…16384 pixels")
        precondition(options.tileSize >= 8 && options.keyframeIntervalMicros > 0 && options.keyframeEveryChunks > 0, "invalid screen recorder options")
        self.writer = writer
        self.options = options
        self.width = width
        self.height = height
        screen = [UInt8](repeating: 0, count: width * height * 4)
        keyboard = KeyboardTracker(keepsText: options.recordsKeys)
        differ = TileDiffer(tileSize: options.tileSize)
    }

    private var screenBytes: Int { width * height * 4 }

    private func keyframeDue(at time: Int64) -> Bool {
        !hasKeyframe || time - lastKeyframeMicros >= options.keyframeIntervalMicros
            || writer.chunksWritten - chunksAtKeyframe >= options.keyframeEveryChunks
            || deltaBytesSinceKeyframe >= screenBytes
    }

    private func writeKeyframe(at time: Int64) throws(FormatError) {
        // The Spec's rule for players: a keyframe is always the first event of its chunk.
        try writer.flush()
        try writer.append(.screenKeyframe(ScreenImage(width: width, height: height, format: .bgra8888, pixels: screen)), atMicros: time)
        hasKeyframe = true
        lastKeyframeMicros = time
        chunksAtKeyframe = writer.chunksWritten
        deltaBytesSinceKeyframe = 0
        statistics.keyframes += 1
    }

    /// Offers a whole frame: BGRA8888 pixels, `bytesPerRow` bytes per row (at least `width * 4`).
    ///
    /// - Parameters:
    ///   - damage: the areas the caller knows may have changed (for example from XDamage);
    ///     nil compares the whole frame. Tiles outside it are not even compared.
    /// - Throws: what the writer throws.
    /// - Complexity: one comparison per pixel row of the compared area, plus the changed tiles.
    public func frame(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, bytesPerRow: Int,
                      damage: [ScreenRect]? = nil, atMicros time: Int64) throws(FormatError) {
        precondition(bytesPerRow >= width * 4 && pixels.count >= bytesPerRow * (height - 1) + width * 4, "frame buffer too small")
        statistics.frames += 1
        if width != self.width || height != self.height || !hasKeyframe {
            self.width = width
            self.height = height
            screen = [UInt8](repeating: 0, count: width * height * 4)
            copyRows(from: pixels, bytesPerRow: bytesPerRow, rect: ScreenRect(x: 0, y: 0, width: width, height: height))
            try writeKeyframe(at: time)
            return
        }
        let rects = screen.withUnsafeBytes { old in
            differ.changedRects(old: old, new: pixels, bytesPerRow: bytesPerRow, width: width, height: height, region: damage)
        }
        guard !rects.isEmpty else {
            statistics.identicalFrames += 1
            try keyframeIfOnlyChunksDue(at: time)
            return
        }
        for rect in rects { copyRows(from: pixels, bytesPerRow: bytesPerRow, rect: rect) }
        try writeChange(rects, at: time)
    }

    /// Offers a whole BGRA8888 frame as a `ScreenImage`.
    public func frame(_ image: ScreenImage, damage: [ScreenRect]? = nil, atMicros time: Int64) throws(FormatError) {
        precondition(image.format == .bgra8888, "frames are BGRA8888")
        do {
            try image.pixels.withUnsafeBytes { raw in
                try frame(raw, width: image.width, height: image.height, bytesPerRow: image.width * 4, damage: damage, atMicros: time)
            }
        } catch {
            throw error as? FormatError ?? FormatError(.io, "\(error)")
        }
    }

    /// Offers rectangles the caller knows changed (BGRA8888 pixels, as an RDP proxy gets them).
    /// Rectangles are clipped to the screen; those identical to what the screen shows are dropped.
    public func update(_ rects: [PixelRect], atMicros time: Int64) throws(FormatError) {
        statistics.frames += 1
        var changed: [ScreenRect] = []
        for rect in rects {
            precondition(rect.pixels.count == rect.width * rect.height * 4, "rectangle pixels are BGRA8888")
            guard let clip = ScreenRect(x: rect.x, y: rect.y, width: rect.width, height: rect.height).clipped(width: width, height: height) else { continue }
            let same = rect.pixels.withUnsafeBytes { src in
                screen.withUnsafeBytes { dst in
                    (0..<clip.height).allSatisfy { row in
                        let s = ((clip.y - rect.y + row) * rect.width + (clip.x - rect.x)) * 4
                        let d = ((clip.y + row) * width + clip.x) * 4
                        return memcmp(src.baseAddress! + s, dst.baseAddress! + d, clip.width * 4) == 0
                    }
                }
            }
            if same { continue }
            let w = width
            rect.pixels.withUnsafeBytes { src in
                screen.withUnsafeMutableBytes { dst in
                    for row in 0..<clip.height {
                        let s = ((clip.y - rect.y + row) * rect.width + (clip.x - rect.x)) * 4
                        let d = ((clip.y + row) * w + clip.x) * 4
                        dst.baseAddress!.advanced(by: d).copyMemory(from: src.baseAddress!.advanced(by: s), byteCount: clip.width * 4)
                    }
                }
            }
            changed.append(clip)
        }
        guard !changed.isEmpty else {
            statistics.identicalFrames += 1
            return
        }
        try writeChange(changed, at: time)
    }

    private func writeChange(_ rects: [ScreenRect], at time: Int64) throws(FormatError) {
        if keyframeDue(at: time) {
            try writeKeyframe(at: time)
            return
        }
        let w = width
        let pixelRects = rects.map { r in
            var bytes = [UInt8](repeating: 0, count: r.width * r.height * 4)
            screen.withUnsafeBytes { src in
                bytes.withUnsafeMutableBytes { dst in
                    for row in 0..<r.height {
                        dst.baseAddress!.advanced(by: row * r.width * 4)
                            .copyMemory(from: src.baseAddress!.advanced(by: ((r.y + row) * w + r.x) * 4), byteCount: r.width * 4)
                    }
                }
            }
            return PixelRect(x: r.x, y: r.y, width: r.width, height: r.height, pixels: bytes)
        }
        try writer.append(.screenDelta(ScreenDelta(format: .bgra8888, rects: pixelRects)), atMicros: time)
        deltaBytesSinceKeyframe += pixelRects.reduce(0) { $0 + $1.pixels.count }
        statistics.deltas += 1
        statistics.rectangles += pixelRects.count
    }

    private func copyRows(from pixels: UnsafeRawBufferPointer, bytesPerRow: Int, rect: ScreenRect) {
        let w = width
        screen.withUnsafeMutableBytes { dst in
            for row in rect.y..<(rect.y + rect.height) {
                dst.baseAddress!.advanced(by: (row * w + rect.x) * 4)
                    .copyMemory(from: pixels.baseAddress!.advanced(by: row * bytesPerRow + rect.x * 4), byteCount: rect.width * 4)
            }
        }
    }

    /// Pointer and keyboard chunks alone can pile up; a keyframe bounds what a player reads.
    private func keyframeIfOnlyChunksDue(at time: Int64) throws(FormatError) {
        if hasKeyframe && writer.chunksWritten - chunksAtKeyframe >= options.keyframeEveryChunks {
            try writeKeyframe(at: time)
        }
    }

    /// The pointer is at (`x`, `y`); writes a `pointer-move` when it moved.
    public func pointerMoved(x: Int, y: Int, atMicros time: Int64) throws(FormatError) {
        let x = min(max(0, x), 262_144), y = min(max(0, y), 262_144)
        if let p = pointer, p == (x, y) { return }
        pointer = (x, y)
        try writer.append(.pointerMove(x: x, y: y), atMicros: time)
        try keyframeIfOnlyChunksDue(at: time)
    }

    /// A mouse button went down or up at (`x`, `y`). A press of button 1–3, 8 or 9 is a click
    /// indicator; wheel "buttons" 4–7 and releases are not recorded.
    public func button(_ button: UInt8, pressed: Bool, x: Int, y: Int, atMicros time: Int64) throws(FormatError) {
        try pointerMoved(x: x, y: y, atMicros: time)
        guard pressed, [1, 2, 3, 8, 9].contains(button) else { return }
        try writer.append(.click(x: min(max(0, x), 262_144), y: min(max(0, y), 262_144), button: button), atMicros: time)
        statistics.clicks += 1
    }

    /// A key went down or up (an X11 keysym; modifiers as X11 core state bits, or 0 when the
    /// caller does not know them: modifier keys are followed). Writes a command indicator per
    /// Enter and per shortcut; writes the key itself only when `recordsKeys` is on.
    public func key(keysym: UInt32, modifiers: UInt32 = 0, down: Bool, atMicros time: Int64) throws(FormatError) {
        let command = keyboard.key(keysym: keysym, modifiers: modifiers, down: down)
        if options.recordsKeys {
            try writer.append(.key(keysym: keysym, modifiers: keyboard.effectiveModifiers(modifiers), down: down), atMicros: time)
        }
        if let command {
            try writer.append(.command(command), atMicros: time)
            statistics.commands += 1
        }
        try keyframeIfOnlyChunksDue(at: time)
    }

    /// Writes the current chunk if it has been open for the writer's chunk interval.
    public func flushIfDue(nowMicros: Int64) throws(FormatError) {
        try writer.flushIfDue(nowMicros: nowMicros)
    }

    /// Finishes the recording: final index and trailer.
    public func close(endMicros: Int64? = nil) throws(FormatError) {
        try writer.close(endMicros: endMicros)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
