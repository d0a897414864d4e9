internal import CPNG

/// Reads and writes PNG files through libpng's simplified API (`png_image`, libpng 1.6;
/// see http://www.libpng.org/pub/png/libpng-manual.txt, "simplified API"). That API reports
/// errors as return values, so no `setjmp` crosses a Swift frame.
public enum PNGFile {
    /// A PNG that could not be written or read; the message says which file and why.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes `image` as an 8-bit RGB PNG at `path`.
    /// - Throws: `Failure` with libpng's message when the file cannot be written.
    public static func write(_ image: Framebuffer, to path: String) throws(Failure) {
        guard image.width > 0, image.height > 0 else {
            throw Failure(description: "Cannot write \(path): there is no screen to draw at that time (no keyframe before it, and no screen size in the metadata small enough to draw blank)")
        }
        var png = png_image()
        png.version = psrec_png_image_version()
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = psrec_png_format_rgb()
        let rgb = image.rgbBytes()
        let ok = rgb.withUnsafeBytes { raw in
            png_image_write_to_file(&png, path, 0, raw.baseAddress, Int32(image.width * 3), nil)
        }
        defer { png_image_free(&png) }
        guard ok != 0 else { throw Failure(description: "Cannot write \(path): \(message(png))") }
    }

    /// Reads the PNG at `path` into a framebuffer (any PNG colour type, converted to RGB).
    /// - Throws: `Failure` when the file is missing or not a PNG libpng can read.
    public static func read(_ path: String) throws(Failure) -> Framebuffer {
        var png = png_image()
        png.version = psrec_png_image_version()
        guard png_image_begin_read_from_file(&png, path) != 0 else {
            throw Failure(description: "Cannot read \(path): \(message(png))")
        }
        png.format = psrec_png_format_rgb()
        let width = Int(png.width), height = Int(png.height)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        let ok = rgb.withUnsafeMutableBytes { raw in png_image_finish_read(&png, nil, raw.baseAddress, Int32(width * 3), nil) }
        defer { png_image_free(&png) }
        guard ok != 0 else { throw Failure(description: "Cannot read \(path): \(message(png))") }
        var bgra = [UInt8](repeating: 0xFF, count: width * height * 4)
        for i in 0..<(width * height) {
            bgra[i * 4] = rgb[i * 3 + 2]; bgra[i * 4 + 1] = rgb[i * 3 + 1]; bgra[i * 4 + 2] = rgb[i * 3]
        }
        return Framebuffer(width: width, height: height, pixels: bgra)
    }

    private static func message(_ png: png_image) -> String {
        var text = png.message
        return withUnsafeBytes(of: &text) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
