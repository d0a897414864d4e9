/// The JSON line of an event written straight from its body, in pieces: what
/// `psrec events --json` prints, byte for byte `TimedEvent.jsonLine()`, without ever holding
/// a copy of a long body or its whole line (a body may be 32 MiB: `Spec/format.md#limits`).
extension RawEvent {
    /// Writes `TimedEvent(timeMicros:event: decoded()).jsonLine()` as consecutive pieces of
    /// at most a few hundred KiB each, without the newline.
    /// - Throws: `FormatError` when the body does not decode (never for a checked chunk).
    public func writeJSONLine(_ write: (String) -> Void) throws(FormatError) {
        // A short event is cheapest as one line.
        if body.count <= TextBlocks.size && type != .screenKeyframe && type != .screenDelta {
            write(TimedEvent(timeMicros: timeMicros, event: try decoded()).jsonLine())
            return
        }
        write("{\"t\":\(timeMicros),\"type\":" + JSONText.string(type.name) + ",")
        switch type {
        case .output, .input:
            if TextBlocks.isValidUTF8(body) {
                write("\"data\":\"")
                TextBlocks.forEach(body) { block in
                    var piece = ""
                    JSONText.append(String(decoding: block, as: UTF8.self), to: &piece)
                    write(piece)
                }
            } else {
                write("\"data_base64\":\"")
                TextBlocks.forEachBase64(body) { write($0) }
            }
            write("\"}")
        case .marker, .command:
            write(type == .marker ? "\"label\":\"" : "\"text\":\"")
            TextBlocks.forEach(body) { block in
                var piece = ""
                JSONText.append(String(decoding: block, as: UTF8.self), to: &piece)
                write(piece)
            }
            write("\"}")
        case .screenKeyframe:
            guard case .screenKeyframe(let image) = try Event.decode(type: type, body: body, baseOffset: 0, pixels: false) else { return }
            let pixels = UnsafeRawBufferPointer(rebasing: body.suffix(image.width * image.height * image.format.bytesPerPixel))
            write("\"width\":\(image.width),\"height\":\(image.height),\"format\":\(image.format.rawValue),\"pixels_crc32\":\(Checksum.crc32(pixels))}")
        case .screenDelta:
            _ = try Event.decode(type: type, body: body, baseOffset: 0, pixels: false)
            // Checked above: the walk below cannot fail.
            var r = ByteReader(body, context: "screen-delta event")
            let format = (try? r.readUInt8()).flatMap(PixelFormat.init(rawValue:)) ?? .bgra8888
            let count = (try? r.readUVarint()) ?? 0
            write("\"format\":\(format.rawValue),\"rects\":[")
            for i in 0..<Int(count) {
                guard let x = try? r.readUVarint(), let y = try? r.readUVarint(), let w = try? r.readUVarint(), let h = try? r.readUVarint(),
                      let pixels = try? r.readSlice(Int(w) * Int(h) * format.bytesPerPixel) else { break }
                write((i > 0 ? "," : "") + "{\"x\":\(x),\"y\":\(y),\"width\":\(w),\"height\":\(h),\"pixels_crc32\":\(Checksum.crc32(pixels))}")
            }
            write("]}")
        case let known where !known.name.hasPrefix("unknown"):
            let line = TimedEvent(timeMicros: timeMicros, event: try decoded()).jsonLine()
            // The line without its "{t,type," opening, already written.
            let opening = "{\"t\":\(timeMicros),\"type\":" + JSONText.string(type.name) + ","
            write(String(line.dropFirst(opening.count)))
        default:
            write("\"type_byte\":\(type.rawValue),\"body_base64\":\"")
            TextBlocks.forEachBase64(body) { write($0) }
            write("\"}")
        }
    }
}

/// Long bodies cut into blocks where no UTF-8 sequence, valid or not, spans the cut, so that
/// decoding, validating or escaping block by block gives exactly what the whole body gives.
public enum TextBlocks {
    /// Nominal block size in bytes.
    public static let size = 1 << 16

    @inline(__always) static func isContinuation(_ b: UInt8) -> Bool { b & 0xC0 == 0x80 }

    /// Calls `body` with consecutive blocks of `bytes` covering all of it.
    public static func forEach(_ bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var start = 0
        while start < bytes.count {
            var cut = min(start + size, bytes.count)
            if cut < bytes.count {
                // A sequence is at most 4 bytes: one that spans the cut starts within the 3
                // bytes before it. Cut before that start, or keep the cut when none is there.
                var c = cut
                for _ in 0..<3 where c > start + 1 && isContinuation(bytes[c]) { c -= 1 }
                if !isContinuation(bytes[c]) { cut = c }
            }
            try body(UnsafeRawBufferPointer(rebasing: bytes[start..<cut]))
            start = cut
        }
    }

    /// True when `bytes` is valid UTF-8 (`Spec/format.md#integers`), checked block by block.
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var valid = true
        forEach(bytes) { block in
            if valid, String(validating: block, as: UTF8.self) == nil { valid = false }
        }
        return valid
    }

    /// Base64 (`Base64.encode`) of `bytes`, written in pieces.
    public static func forEachBase64(_ bytes: UnsafeRawBufferPointer, _ body: (String) -> Void) {
        let step = 3 * (size / 3)
        var start = 0
        repeat {
            let end = min(start + step, bytes.count)
            body(Base64.encode(Array(bytes[start..<end])))
            start = end
        } while start < bytes.count
    }
}
