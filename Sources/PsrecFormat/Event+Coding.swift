extension Event {
    /// Appends the event body (without type, delta and length) to `writer`.
    func encodeBody(into w: inout ByteWriter) {
        switch self {
        case .output(let bytes), .input(let bytes):
            w.writeBytes(bytes)
        case .resize(let cols, let rows):
            w.writeUVarint(cols)
            w.writeUVarint(rows)
        case .marker(let text), .command(let text):
            w.writeBytes(Array(text.utf8))
        case .click(let x, let y, let button):
            w.writeUVarint(x)
            w.writeUVarint(y)
            w.writeUInt8(button)
        case .exit(let status):
            w.writeSVarint(status)
        case .redactedInput(let count):
            w.writeUVarint(count)
        case .gap(let gap):
            w.writeUVarint(UInt64(gap.fromMicros))
            w.writeUVarint(UInt64(gap.toMicros))
            w.writeUVarint(UInt64(gap.fromOffset))
            w.writeUVarint(UInt64(gap.toOffset))
        case .screenKeyframe(let image):
            w.writeUVarint(image.width)
            w.writeUVarint(image.height)
            w.writeUInt8(image.format.rawValue)
            w.writeBytes(image.pixels)
        case .screenDelta(let delta):
            w.writeUInt8(delta.format.rawValue)
            w.writeUVarint(delta.rects.count)
            for rect in delta.rects {
                w.writeUVarint(rect.x)
                w.writeUVarint(rect.y)
                w.writeUVarint(rect.width)
                w.writeUVarint(rect.height)
                w.writeBytes(rect.pixels)
            }
        case .pointerMove(let x, let y):
            w.writeUVarint(x)
            w.writeUVarint(y)
        case .key(let keysym, let modifiers, let down):
            w.writeUVarint(UInt64(keysym))
            w.writeUVarint(UInt64(modifiers))
            w.writeUInt8(down ? 1 : 0)
        case .unknown(_, let body):
            w.writeBytes(body)
        }
    }

    /// Checks the values an encoder would write; traps are for programmer errors only,
    /// so writers validate here and throw.
    func validateForWriting() throws(FormatError) {
        func bad(_ what: String) -> FormatError { FormatError(.misuse, "Cannot record this event: \(what)") }
        switch self {
        case .resize(let cols, let rows):
            guard (0...Limits.maxTerminalDimension).contains(cols), (0...Limits.maxTerminalDimension).contains(rows) else { throw bad("terminal size \(cols)x\(rows) is out of range") }
        case .click(let x, let y, _), .pointerMove(let x, let y):
            guard x >= 0, y >= 0, x <= Limits.maxScreenDimension * 16, y <= Limits.maxScreenDimension * 16 else { throw bad("position \(x),\(y) is out of range") }
        case .redactedInput(let count):
            guard count >= 0 else { throw bad("negative redacted byte count") }
        case .gap(let gap):
            guard gap.fromMicros >= 0, gap.toMicros >= gap.fromMicros, gap.fromOffset >= 0, gap.toOffset >= gap.fromOffset else { throw bad("gap ranges are not ordered") }
        case .screenKeyframe(let image):
            guard (1...Limits.maxScreenDimension).contains(image.width), (1...Limits.maxScreenDimension).contains(image.height),
                  image.pixels.count == image.width * image.height * image.format.bytesPerPixel else { throw bad("keyframe size does not match its pixels") }
        case .screenDelta(let delta):
            guard delta.rects.count <= Limits.maxRectangles else { throw bad("too many rectangles") }
            for r in delta.rects {
                guard r.x >= 0, r.y >= 0, r.width >= 0, r.height >= 0, r.x + r.width <= Limits.maxScreenDimension, r.y + r.height <= Limits.maxScreenDimension,
                      r.pixels.count == r.width * r.height * delta.format.bytesPerPixel else { throw bad("a delta rectangle does not match its pixels") }
            }
        case .unknown(let type, _):
            guard EventType(rawValue: type).name.hasPrefix("unknown") else { throw bad("unknown event with a known type byte") }
        default:
            break
        }
    }

    /// Decodes an event body of the given type.
    ///
    /// - Throws: `FormatError(.malformedPayload)` when the body does not match its type.
    public static func decode(type: EventType, body: UnsafeRawBufferPointer, baseOffset: Int64 = 0) throws(FormatError) -> Event {
        try decode(type: type, body: body, baseOffset: baseOffset, pixels: true)
    }

    /// Checks an event body against its type's rules without copying it: what a reader does
    /// to every event of a chunk before it plays any (`Spec/format.md#events`). Output, input,
    /// marker, command and unknown bodies are any bytes.
    /// - Throws: `FormatError(.malformedPayload)` when the body does not match its type.
    /// - Complexity: O(1) memory; screen pixels are skipped, not copied.
    public static func check(type: EventType, body: UnsafeRawBufferPointer) throws(FormatError) {
        switch type {
        case .output, .input, .marker, .command: return
        case .resize, .click, .exit, .redactedInput, .gap, .screenKeyframe, .screenDelta, .pointerMove, .key:
            _ = try decode(type: type, body: body, baseOffset: 0, pixels: false)
        default: return
        }
    }

    /// - Parameter pixels: false to skip screen pixels instead of copying them (the event's
    ///   pixel arrays are then empty: for checking only).
    static func decode(type: EventType, body: UnsafeRawBufferPointer, baseOffset: Int64, pixels: Bool) throws(FormatError) -> Event {
        var r = ByteReader(body, baseOffset: baseOffset, context: "\(type.name) event")
        let event: Event
        switch type {
        case .output: return .output(Array(body))
        case .input: return .input(Array(body))
        case .resize:
            let cols = try r.readUVarint(max: Limits.maxTerminalDimension, "column count")
            let rows = try r.readUVarint(max: Limits.maxTerminalDimension, "row count")
            event = .resize(cols: cols, rows: rows)
        case .marker: return .marker(String(decoding: body, as: UTF8.self))
        case .command: return .command(String(decoding: body, as: UTF8.self))
        case .click:
            let x = try r.readUVarint(max: Limits.maxScreenDimension * 16, "x")
            let y = try r.readUVarint(max: Limits.maxScreenDimension * 16, "y")
            event = .click(x: x, y: y, button: try r.readUInt8())
        case .exit: event = .exit(try r.readSVarint())
        case .redactedInput: event = .redactedInput(count: try r.readUVarint(max: Limits.maxDecodedLength, "redacted byte count"))
        case .gap:
            let values = try (0..<4).map { (_) throws(FormatError) in Int64(try r.readUVarint(max: Int(Limits.maxMicros), "gap bound")) }
            guard values[1] >= values[0], values[3] >= values[2] else { throw r.error("gap ranges are not ordered") }
            event = .gap(Gap(fromMicros: values[0], toMicros: values[1], fromOffset: values[2], toOffset: values[3]))
        case .screenKeyframe:
            let width = try r.readUVarint(max: Limits.maxScreenDimension, "width")
            let height = try r.readUVarint(max: Limits.maxScreenDimension, "height")
            let format = try readPixelFormat(&r)
            let size = width * height * format.bytesPerPixel
            guard width > 0, height > 0, r.remaining == size else { throw r.error("keyframe \(width)x\(height) needs \(size) pixel bytes, has \(r.remaining)") }
            let bytes = pixels ? try r.readBytes(size) : { _ = try? r.readSlice(size); return [] }()
            event = .screenKeyframe(ScreenImage(width: width, height: height, format: format, pixels: bytes))
        case .screenDelta:
            let format = try readPixelFormat(&r)
            let count = try r.readUVarint(max: min(Limits.maxRectangles, r.remaining), "rectangle count")
            var rects: [PixelRect] = []
            rects.reserveCapacity(count)
            for _ in 0..<count {
                let x = try r.readUVarint(max: Limits.maxScreenDimension, "x")
                let y = try r.readUVarint(max: Limits.maxScreenDimension, "y")
                let w = try r.readUVarint(max: Limits.maxScreenDimension - x, "width")
                let h = try r.readUVarint(max: Limits.maxScreenDimension - y, "height")
                let size = w * h * format.bytesPerPixel
                guard size <= r.remaining else { throw r.error("rectangle \(w)x\(h) runs past the end") }
                if pixels {
                    rects.append(PixelRect(x: x, y: y, width: w, height: h, pixels: try r.readBytes(size)))
                } else {
                    _ = try r.readSlice(size)
                }
            }
            event = .screenDelta(ScreenDelta(format: format, rects: rects))
        case .pointerMove:
            let x = try r.readUVarint(max: Limits.maxScreenDimension * 16, "x")
            event = .pointerMove(x: x, y: try r.readUVarint(max: Limits.maxScreenDimension * 16, "y"))
        case .key:
            let keysym = try r.readUVarint(max: Int(UInt32.max), "keysym")
            let modifiers = try r.readUVarint(max: Int(UInt32.max), "modifiers")
            let flags = try r.readUInt8()
            event = .key(keysym: UInt32(keysym), modifiers: UInt32(modifiers), down: flags & 1 != 0)
        default:
            return .unknown(type: type.rawValue, body: Array(body))
        }
        guard r.isAtEnd else { throw r.error("\(r.remaining) bytes left over after the event") }
        return event
    }

    private static func readPixelFormat(_ r: inout ByteReader) throws(FormatError) -> PixelFormat {
        let raw = try r.readUInt8()
        guard let format = PixelFormat(rawValue: raw) else { throw r.error("unknown pixel format \(raw)") }
        return format
    }
}
