internal import CZlib

/// A `ConversionInput` that inflates a gzip stream (RFC 1952) read from another input,
/// block by block, as sudo writes its I/O log files when `compress_io` is on.
///
/// ```
/// base input ──read──▶ [ compressed block ] ──inflate──▶ caller's buffer
/// ```
/// Concatenated gzip members are read one after another, like `gzip -d` does. Memory is
/// one compressed block and zlib's 32 KiB window, whatever the file's size.
final class GzipInput: ConversionInput {
    /// The two bytes every gzip member starts with.
    static let magic: [UInt8] = [0x1F, 0x8B]

    let name: String
    private let base: any ConversionInput
    private let stream: UnsafeMutablePointer<z_stream>
    private var compressed: [UInt8]
    private var compressedCount = 0
    private var baseAtEnd = false
    private var memberEnded = false
    private var finished = false
    /// Bytes of decompressed output handed out so far, for messages.
    private(set) var producedBytes: Int64 = 0

    /// Inflates `base`, which must start with a gzip header.
    /// - Throws: `ConversionError(.unreadableInput)` when zlib cannot start.
    init(_ base: any ConversionInput, blockSize: Int = 64 * 1024) throws(ConversionError) {
        self.base = base
        name = base.name
        compressed = [UInt8](repeating: 0, count: blockSize)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard psrec_inflateInit2(stream, 16 + 15) == Z_OK else {
            stream.deallocate()
            throw ConversionError(.unreadableInput, file: base.name, reason: "cannot be decompressed (zlib could not start)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        guard let out = buffer.baseAddress, buffer.count > 0, !finished else { return 0 }
        while true {
            if stream.pointee.avail_in == 0 && !baseAtEnd {
                let n = try compressed.withUnsafeMutableBytes { raw in
                    Result { () throws(ConversionError) in try base.read(into: raw) }
                }.get()
                if n == 0 { baseAtEnd = true } else { compressedCount = n }
                stream.pointee.avail_in = UInt32(baseAtEnd ? 0 : n)
                if n > 0 && memberEnded {
                    // Another member follows the one that ended.
                    inflateReset(stream)
                    memberEnded = false
                }
            }
            if memberEnded {
                guard stream.pointee.avail_in > 0 else { finished = true; return 0 }
                inflateReset(stream)
                memberEnded = false
            }
            if stream.pointee.avail_in == 0 && baseAtEnd {
                throw ConversionError(.unreadableInput, file: name,
                                      reason: "ends inside its gzip stream after \(producedBytes) decompressed bytes, as when the writer stopped mid-write")
            }
            let consumedBefore = compressedCount - Int(stream.pointee.avail_in)
            let status: Int32 = compressed.withUnsafeMutableBytes { raw in
                stream.pointee.next_in = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + consumedBefore
                stream.pointee.next_out = out.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
                return inflate(stream, Z_NO_FLUSH)
            }
            let produced = min(buffer.count, Int(UInt32.max)) - Int(stream.pointee.avail_out)
            producedBytes += Int64(produced)
            switch status {
            case Z_OK, Z_BUF_ERROR:
                break
            case Z_STREAM_END:
                memberEnded = true
            default:
                throw ConversionError(.unreadableInput, file: name,
                                      reason: "is not a valid gzip stream after \(producedBytes) decompressed bytes (zlib status \(status))")
            }
            if produced > 0 { return produced }
        }
    }
}
