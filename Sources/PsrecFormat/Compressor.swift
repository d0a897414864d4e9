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
    public func decompress(_ input: UnsafeRawBufferPointer, codec: Codec, decodedLength: Int) throws(FormatError) -> [UInt8] {
        if codec == .zstd {
            // A zstd frame states its content size: a lie is caught before the output buffer
            // is allocated and zero-filled.
            // ZSTD_CONTENTSIZE_UNKNOWN and ZSTD_CONTENTSIZE_ERROR are macros Swift does not import.
            let unknown = UInt64.max, error = UInt64.max - 1
            let stated = ZSTD_getFrameContentSize(input.baseAddress, input.count)
            if stated != unknown && stated != UInt64(decodedLength) {
                throw FormatError(.badCompression, stated == error
                    ? "The zstd payload does not start with a valid frame header"
                    : "The zstd frame holds \(stated) bytes but the chunk declares \(decodedLength)")
            }
        }
        // Not zero-filled first: a successful decompression writes every byte (it checks the
        // produced size), and a failed one leaves no element initialised.
        do {
            return try [UInt8](unsafeUninitializedCapacity: decodedLength) { buffer, initialized in
                try decompress(UnsafeRawBufferPointer(input), codec: codec, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = decodedLength
            }
        } catch {
            throw FormatError.from(error)
        }
    }

    /// Decompresses `input` into `output`, which must be exactly the declared decoded size.
    public func decompress(_ input: UnsafeRawBufferPointer, codec: Codec, into output: UnsafeMutableRawBufferPointer) throws(FormatError) {
        let decodedLength = output.count
        switch codec {
        case .none:
            guard input.count == decodedLength else {
                throw FormatError(.badCompression, "Uncompressed payload is \(input.count) bytes but declares \(decodedLength)")
            }
            if decodedLength > 0 { output.copyMemory(from: input) }
        case .zstd:
            if zstdD == nil { zstdD = ZSTD_createDCtx() }
            guard ZSTD_findFrameCompressedSize(input.baseAddress, input.count) == input.count else {
                throw FormatError(.badCompression, "The zstd payload is not exactly one zstd frame")
            }
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
