internal import CZlib
internal import CZstd

/// Compresses and decompresses chunk payloads, reusing its zlib and zstd contexts.
///
/// Not thread-safe: give each writer or reader its own.
public final class Compressor {
    private var zstdC: OpaquePointer?
    private var zstdD: OpaquePointer?
    private var deflater: UnsafeMutablePointer<z_stream>?
    private var deflaterLevel: Int32 = -2
    private var inflater: UnsafeMutablePointer<z_stream>?

    /// Creates a compressor; contexts are made on first use.
    public init() {}

    deinit {
        if let zstdC { ZSTD_freeCCtx(zstdC) }
        if let zstdD { ZSTD_freeDCtx(zstdD) }
        if let deflater { deflateEnd(deflater); deflater.deallocate() }
        if let inflater { inflateEnd(inflater); inflater.deallocate() }
    }

    /// Compresses `input` with `codec` at `level`.
    /// - Throws: `FormatError` (`.badCompression`) if the library fails.
    public func compress(_ input: UnsafeRawBufferPointer, codec: Codec, level: Int) throws(FormatError) -> [UInt8] {
        switch codec {
        case .none:
            return Array(input)
        case .zstd:
            if zstdC == nil { zstdC = ZSTD_createCCtx() }
            let bound = ZSTD_compressBound(input.count)
            var output = [UInt8](repeating: 0, count: bound)
            let written = output.withUnsafeMutableBytes { out in
                ZSTD_compressCCtx(zstdC, out.baseAddress, bound, input.baseAddress, input.count, Int32(level))
            }
            if ZSTD_isError(written) != 0 {
                throw FormatError(.badCompression, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
            }
            output.removeSubrange(written...)
            return output
        case .zlib:
            let stream = try deflateStream(level: Int32(level))
            let bound = Int(deflateBound(stream, UInt(input.count)))
            var output = [UInt8](repeating: 0, count: bound)
            let status: Int32 = output.withUnsafeMutableBytes { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(bound)
                return deflate(stream, Z_FINISH)
            }
            let produced = bound - Int(stream.pointee.avail_out)
            deflateReset(stream)
            guard status == Z_STREAM_END else {
                throw FormatError(.badCompression, "zlib compression failed with status \(status)")
            }
            output.removeSubrange(produced...)
            return output
        }
    }

    /// Compresses `parts` with zstd as one frame each, back to back: the stored payload of a
    /// columnar EVENTS chunk (`Spec/format.md#compression`). Empty parts get no frame.
    /// - Throws: `FormatError` (`.badCompression`) if the library fails.
    public func compressFrames(_ parts: [UnsafeRawBufferPointer], level: Int) throws(FormatError) -> [UInt8] {
        if zstdC == nil { zstdC = ZSTD_createCCtx() }
        let bound = parts.reduce(0) { $0 + ZSTD_compressBound($1.count) }
        var failure: Int?
        let output = [UInt8](unsafeUninitializedCapacity: bound) { out, initialized in
            var at = 0
            for part in parts where part.count > 0 {
                let written = ZSTD_compressCCtx(zstdC, out.baseAddress! + at, bound - at, part.baseAddress, part.count, Int32(level))
                if ZSTD_isError(written) != 0 { failure = written; break }
                at += written
            }
            initialized = failure == nil ? at : 0
        }
        if let failure {
            throw FormatError(.badCompression, "zstd compression failed: \(String(cString: ZSTD_getErrorName(failure)))")
        }
        return output
    }

    private func deflateStream(level: Int32) throws(FormatError) -> UnsafeMutablePointer<z_stream> {
        if let deflater, deflaterLevel == level { return deflater }
        if let deflater { deflateEnd(deflater); deflater.deallocate(); self.deflater = nil }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard psrec_deflateInit(stream, level) == Z_OK else {
            stream.deallocate()
            throw FormatError(.badCompression, "zlib could not start at level \(level)")
        }
        deflater = stream
        deflaterLevel = level
        return stream
    }

    /// Decompresses `input` into exactly `decodedLength` bytes.
    ///
    /// The output buffer is sized by the declared length (already checked against
    /// `Limits.maxDecodedLength`), so a decompression bomb fails instead of growing memory.
    /// - Throws: `FormatError` (`.badCompression`) when the data is damaged or its size differs.
    /// - Parameter frames: `.several` for payloads that may be several zstd frames (columnar
    ///   EVENTS chunks); otherwise exactly one frame is accepted.
    public func decompress(_ input: UnsafeRawBufferPointer, codec: Codec, decodedLength: Int,
                           frames: ZstdFrames = .one) throws(FormatError) -> [UInt8] {
        if codec == .zstd {
            // Each zstd frame states its content size: a lie is caught before the output buffer
            // is allocated.
            let stated = try Self.zstdFrames(input, allowed: frames).statedSize
            if let stated, stated != UInt64(decodedLength) {
                throw FormatError(.badCompression, frames == .one
                    ? "The zstd frame holds \(stated) bytes but the chunk declares \(decodedLength)"
                    : "The zstd frames hold \(stated) bytes but the chunk declares \(decodedLength)")
            }
        }
        // Not zero-filled first: a successful decompression writes every byte (it checks the
        // produced size), and a failed one leaves no element initialised.
        do {
            return try [UInt8](unsafeUninitializedCapacity: decodedLength) { buffer, initialized in
                try decompress(UnsafeRawBufferPointer(input), codec: codec, into: UnsafeMutableRawBufferPointer(buffer),
                               frames: frames, framesChecked: true)
                initialized = decodedLength
            }
        } catch {
            throw FormatError.from(error)
        }
    }

    /// How many zstd frames a stored payload may hold.
    public enum ZstdFrames: Sendable {
        /// Exactly one (every chunk of format 1.0).
        case one
        /// One or more, back to back, none skippable (columnar EVENTS chunks, 1.1).
        case several
    }

    /// The zstd magic number that starts every (non-skippable) frame, little-endian.
    private static let zstdMagic: UInt32 = 0xFD2F_B528

    /// Walks the frames of a zstd payload: how many there are, and the sum of their stated
    /// content sizes (nil when a frame does not state its size).
    /// - Throws: when a frame is not a zstd frame, is damaged or runs past the payload, when
    ///   `allowed` is `.one` and there is more than one frame, or when there is none.
    static func zstdFrames(_ input: UnsafeRawBufferPointer, allowed frames: ZstdFrames) throws(FormatError) -> (count: Int, statedSize: UInt64?) {
        // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are macros Swift does not import.
        let unknown = UInt64.max, error = UInt64.max - 1
        var at = 0, count = 0
        var total: UInt64? = 0
        repeat {
            let rest = UnsafeRawBufferPointer(rebasing: input[at...])
            guard rest.count >= 4, rest.le32(0) == zstdMagic else {
                throw FormatError(.badCompression, at == 0
                    ? "The zstd payload does not start with a zstd frame"
                    : "The zstd payload holds bytes after frame end that are not a zstd frame")
            }
            let size = ZSTD_findFrameCompressedSize(rest.baseAddress, rest.count)
            guard ZSTD_isError(size) == 0 else {
                throw FormatError(.badCompression, "A zstd frame in the payload is damaged or cut short: \(String(cString: ZSTD_getErrorName(size)))")
            }
            let stated = ZSTD_getFrameContentSize(rest.baseAddress, rest.count)
            if stated == error { throw FormatError(.badCompression, "A zstd frame in the payload has an invalid header") }
            if stated == unknown { total = nil } else if let sum = total { total = sum + min(stated, UInt64(Limits.maxDecodedLength) + 1) }
            at += size
            count += 1
            if frames == .one && at < input.count {
                throw FormatError(.badCompression, "The zstd payload is not exactly one zstd frame")
            }
        } while at < input.count
        return (count, total)
    }

    /// Decompresses `input` into `output`, which must be exactly the declared decoded size.
    public func decompress(_ input: UnsafeRawBufferPointer, codec: Codec, into output: UnsafeMutableRawBufferPointer,
                           frames: ZstdFrames = .one) throws(FormatError) {
        try decompress(input, codec: codec, into: output, frames: frames, framesChecked: false)
    }

    /// - Parameter framesChecked: the caller has walked the zstd frames already.
    private func decompress(_ input: UnsafeRawBufferPointer, codec: Codec, into output: UnsafeMutableRawBufferPointer,
                            frames: ZstdFrames, framesChecked: Bool) throws(FormatError) {
        let decodedLength = output.count
        switch codec {
        case .none:
            guard input.count == decodedLength else {
                throw FormatError(.badCompression, "Uncompressed payload is \(input.count) bytes but declares \(decodedLength)")
            }
            if decodedLength > 0 { output.copyMemory(from: input) }
        case .zstd:
            if zstdD == nil { zstdD = ZSTD_createDCtx() }
            if !framesChecked { _ = try Self.zstdFrames(input, allowed: frames) }
            // A zero-capacity destination must still be a valid pointer for zstd.
            var scratch: UInt8 = 0
            let produced = withUnsafeMutablePointer(to: &scratch) { fallback in
                ZSTD_decompressDCtx(zstdD, output.baseAddress ?? UnsafeMutableRawPointer(fallback), decodedLength, input.baseAddress, input.count)
            }
            if ZSTD_isError(produced) != 0 {
                throw FormatError(.badCompression, "zstd payload does not decode to its declared \(decodedLength) bytes: \(String(cString: ZSTD_getErrorName(produced)))")
            }
            guard produced == decodedLength else {
                throw FormatError(.badCompression, "zstd payload decodes to \(produced) bytes but declares \(decodedLength)")
            }
        case .zlib:
            if inflater == nil {
                let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
                stream.initialize(to: z_stream())
                guard psrec_inflateInit(stream) == Z_OK else {
                    stream.deallocate()
                    throw FormatError(.badCompression, "zlib could not start inflating")
                }
                inflater = stream
            }
            guard let stream = inflater else { return }
            var scratch: UInt8 = 0
            let status: Int32 = withUnsafeMutablePointer(to: &scratch) { fallback in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? fallback
                stream.pointee.avail_out = UInt32(decodedLength)
                return inflate(stream, Z_FINISH)
            }
            let produced = decodedLength - Int(stream.pointee.avail_out)
            let leftover = Int(stream.pointee.avail_in)
            inflateReset(stream)
            guard status == Z_STREAM_END, produced == decodedLength, leftover == 0 else {
                throw FormatError(.badCompression, "zlib payload does not decode to its declared \(decodedLength) bytes (status \(status), got \(produced), \(leftover) bytes left over)")
            }
        }
    }
}
