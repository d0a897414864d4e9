public import PsrecFormat

/// A screen image in memory, BGRA8888 (`Spec/format.md#pixel-formats`), rows top to bottom
/// without padding. Keyframes and delta rectangles of any pixel format are drawn into it.
public struct Framebuffer: Sendable, Equatable {
    /// Width in pixels.
    public private(set) var width: Int
    /// Height in pixels.
    public private(set) var height: Int
    /// `width * height * 4` bytes: B, G, R, A per pixel.
    public var pixels: [UInt8]

    /// A black screen of the given size.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "a framebuffer cannot have a negative size")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 4)
    }

    /// A framebuffer holding `pixels` (BGRA8888, `width * height * 4` bytes).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 4, "BGRA pixels must be width × height × 4 bytes")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The BGRA bytes of pixel (`x`, `y`).
    public func pixel(x: Int, y: Int) -> (b: UInt8, g: UInt8, r: UInt8) {
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Replaces the screen with a keyframe; the keyframe also sets the size.
    public mutating func draw(_ image: ScreenImage) {
        width = image.width
        height = image.height
        if image.format == .bgra8888 {
            pixels = image.pixels
        } else {
            pixels = [UInt8](repeating: 0, count: width * height * 4)
            image.pixels.withUnsafeBytes { src in
                blit(src, format: image.format, x: 0, y: 0, width: width, height: height)
            }
        }
    }

    /// Draws the rectangles of a delta in order, clipped to the screen.
    public mutating func draw(_ delta: ScreenDelta) {
        for rect in delta.rects {
            rect.pixels.withUnsafeBytes { src in
                blit(src, format: delta.format, x: rect.x, y: rect.y, width: rect.width, height: rect.height)
            }
        }
    }

    /// Copies a `width × height` block of `format` pixels to (`x`, `y`), clipped to the screen.
    mutating func blit(_ src: UnsafeRawBufferPointer, format: PixelFormat, x: Int, y: Int, width w: Int, height h: Int) {
        let bpp = format.bytesPerPixel
        let columns = max(0, min(w, width - x))
        let rows = max(0, min(h, height - y))
        guard columns > 0, rows > 0, src.count >= w * h * bpp else { return }
        let screenWidth = width
        pixels.withUnsafeMutableBytes { dst in
            for row in 0..<rows {
                let from = row * w * bpp
                let to = ((y + row) * screenWidth + x) * 4
                switch format {
                case .bgra8888:
                    dst.baseAddress!.advanced(by: to).copyMemory(from: src.baseAddress!.advanced(by: from), byteCount: columns * 4)
                case .rgb888:
                    for c in 0..<columns {
                        let s = from + c * 3, d = to + c * 4
                        dst[d] = src[s + 2]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s]; dst[d + 3] = 0xFF
                    }
                case .rgb565:
                    for c in 0..<columns {
                        let s = from + c * 2, d = to + c * 4
                        let v = UInt16(src[s]) | UInt16(src[s + 1]) << 8
                        let r = UInt8((v >> 11) & 0x1F), g = UInt8((v >> 5) & 0x3F), b = UInt8(v & 0x1F)
                        dst[d] = b << 3 | b >> 2; dst[d + 1] = g << 2 | g >> 4; dst[d + 2] = r << 3 | r >> 2; dst[d + 3] = 0xFF
                    }
                }
            }
        }
    }

    /// The pixels as RGB888 (3 bytes per pixel), for encoders that want no alpha.
    public func rgbBytes() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                for i in 0..<(width * height) {
                    dst[i * 3] = src[i * 4 + 2]; dst[i * 3 + 1] = src[i * 4 + 1]; dst[i * 3 + 2] = src[i * 4]
                }
            }
        }
        return out
    }

    /// A smaller copy whose width is at most `maxWidth`, each pixel the average of the block it covers.
    public func scaled(toWidth maxWidth: Int) -> Framebuffer {
        guard width > maxWidth, maxWidth > 0, height > 0 else { return self }
        let newWidth = maxWidth
        let newHeight = max(1, height * newWidth / width)
        var out = Framebuffer(width: newWidth, height: newHeight)
        for ny in 0..<newHeight {
            let y0 = ny * height / newHeight, y1 = max(y0 + 1, (ny + 1) * height / newHeight)
            for nx in 0..<newWidth {
                let x0 = nx * width / newWidth, x1 = max(x0 + 1, (nx + 1) * width / newWidth)
                var b = 0, g = 0, r = 0
                for y in y0..<y1 {
                    var i = (y * width + x0) * 4
                    for _ in x0..<x1 {
                        b += Int(pixels[i]); g += Int(pixels[i + 1]); r += Int(pixels[i + 2])
                        i += 4
                    }
                }
                let n = (y1 - y0) * (x1 - x0)
                let o = (ny * newWidth + nx) * 4
                out.pixels[o] = UInt8(b / n); out.pixels[o + 1] = UInt8(g / n); out.pixels[o + 2] = UInt8(r / n); out.pixels[o + 3] = 0xFF
            }
        }
        return out
    }

    /// Fills a rectangle (clipped) with one colour.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, r: UInt8, g: UInt8, b: UInt8) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 {
                let i = (yy * width + xx) * 4
                pixels[i] = b; pixels[i + 1] = g; pixels[i + 2] = r; pixels[i + 3] = 0xFF
            }
        }
    }

    /// Copies `other` with its top-left corner at (`x`, `y`), clipped.
    public mutating func paste(_ other: Framebuffer, x: Int, y: Int) {
        other.pixels.withUnsafeBytes { src in
            blit(src, format: .bgra8888, x: x, y: y, width: other.width, height: other.height)
        }
    }
}
