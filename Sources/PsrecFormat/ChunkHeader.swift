/// The 48-byte header in front of every chunk payload (`Spec/format.md#chunks`).
///
/// ```
///  0      4    5     6      8      12       16       20      24         32        40       44     48
///  +------+----+-----+------+------+--------+--------+-------+----------+---------+--------+------+
///  |F5 P C K|type|codec|flags | seq  | stored | decoded| items | start µs | end µs  | pay CRC|hdr CRC|
///  +------+----+-----+------+------+--------+--------+-------+----------+---------+--------+------+
/// ```
/// Both CRCs are salted with the file salt. The header CRC covers bytes 0..<44 (and so the
/// payload CRC); a reader checks it before trusting any length in the header.
public struct ChunkHeader: Sendable, Equatable {
    /// The 4-byte chunk magic; 0xF5 never occurs in UTF-8 text.
    public static let magic: [UInt8] = [0xF5, 0x50, 0x43, 0x4B]
    /// Size of the header in bytes.
    public static let size = 48
    /// EVENTS flag bit 0 (format 1.1): the payload is in the columnar layout, and a zstd
    /// payload may be several frames (`Spec/format.md#columnar-layout`).
    public static let columnarEvents: UInt16 = 0x0001

    /// Chunk type.
    public var type: ChunkType
    /// Payload compression.
    public var codec: Codec
    /// Chunk flags: 0, except `columnarEvents` on EVENTS chunks of the columnar layout (1.1).
    public var flags: UInt16
    /// Sequence number: 0 for the metadata chunk, then previous + 1.
    public var sequence: UInt32
    /// Payload bytes stored after the header.
    public var storedLength: Int
    /// Payload bytes after decompression.
    public var decodedLength: Int
    /// Events (EVENTS) or entries (INDEX) in the payload; 0 for META.
    public var itemCount: Int
    /// Session time of the chunk's first event, in microseconds since the recording start.
    public var startMicros: Int64
    /// Session time of the chunk's last event.
    public var endMicros: Int64
    /// Salted CRC-32 of the stored payload.
    public var payloadCRC: UInt32

    /// Creates a header.
    public init(type: ChunkType, codec: Codec, sequence: UInt32, storedLength: Int, decodedLength: Int,
                itemCount: Int, startMicros: Int64, endMicros: Int64, payloadCRC: UInt32, flags: UInt16 = 0) {
        self.type = type
        self.codec = codec
        self.flags = flags
        self.sequence = sequence
        self.storedLength = storedLength
        self.decodedLength = decodedLength
        self.itemCount = itemCount
        self.startMicros = startMicros
        self.endMicros = endMicros
        self.payloadCRC = payloadCRC
    }

    /// True for an EVENTS chunk in the columnar layout.
    @inlinable public var isColumnar: Bool { type == .events && flags & Self.columnarEvents != 0 }

    /// Offset of the byte after this chunk, given the offset of its header.
    @inlinable public func end(at offset: Int64) -> Int64 { offset + Int64(Self.size) + Int64(storedLength) }

    /// Appends the 48 encoded bytes to `writer`, with the salted header CRC.
    public func encode(into writer: inout ByteWriter, salt: UInt64) {
        let start = writer.count
        writer.writeBytes(Self.magic)
        writer.writeUInt8(type.rawValue)
        writer.writeUInt8(codec.rawValue)
        writer.writeUInt16(flags)
        writer.writeUInt32(sequence)
        writer.writeUInt32(UInt32(storedLength))
        writer.writeUInt32(UInt32(decodedLength))
        writer.writeUInt32(UInt32(itemCount))
        writer.writeInt64(startMicros)
        writer.writeInt64(endMicros)
        writer.writeUInt32(payloadCRC)
        let crc = writer.bytes.withUnsafeBytes {
            Checksum.salted(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 44)]), salt: salt)
        }
        writer.writeUInt32(crc)
    }

    /// True when `bytes` (at least 4) start with the chunk magic.
    @inlinable public static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0xF5 && bytes[1] == 0x50 && bytes[2] == 0x43 && bytes[3] == 0x4B
    }

    /// Decodes and checks a header: magic, header CRC, then every bound on its fields.
    ///
    /// - Parameters:
    ///   - bytes: at least 48 bytes starting at the chunk.
    ///   - salt: the file salt.
    ///   - offset: file offset of the chunk, for errors.
    /// - Throws: `.badChunkMagic`, `.badHeaderChecksum`, `.limitExceeded`, `.unsupportedChunk`
    ///   or `.badTimestamp`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, salt: UInt64, offset: Int64) throws(FormatError) -> ChunkHeader {
        guard bytes.count >= size else {
            throw FormatError(.truncatedChunk, "The file ends inside a chunk header", offset: offset)
        }
        guard hasMagic(bytes) else {
            throw FormatError(.badChunkMagic, "No chunk starts here (the chunk magic is missing)", offset: offset)
        }
        let stored = bytes.le32(44)
        let computed = Checksum.salted(UnsafeRawBufferPointer(rebasing: bytes[0..<44]), salt: salt)
        guard stored == computed else {
            throw FormatError(.badHeaderChecksum, "A chunk header fails its checksum (damaged, or copied from another file)", offset: offset)
        }
        let type = ChunkType(rawValue: bytes[4])
        let storedLength = Int(bytes.le32(12))
        let decodedLength = Int(bytes.le32(16))
        let itemCount = Int(bytes.le32(20))
        let start = Int64(bitPattern: bytes.le64(24))
        let end = Int64(bitPattern: bytes.le64(32))
        guard storedLength <= Limits.maxStoredLength else {
            throw FormatError(.limitExceeded, "A chunk declares \(storedLength) stored bytes, over the limit of \(Limits.maxStoredLength)", offset: offset + 12)
        }
        guard decodedLength <= Limits.maxDecodedLength else {
            throw FormatError(.limitExceeded, "A chunk declares \(decodedLength) decoded bytes, over the limit of \(Limits.maxDecodedLength)", offset: offset + 16)
        }
        guard itemCount <= Limits.maxItemCount else {
            throw FormatError(.limitExceeded, "A chunk declares \(itemCount) items, over the limit of \(Limits.maxItemCount)", offset: offset + 20)
        }
        guard start >= 0, end >= start, end <= Limits.maxMicros else {
            throw FormatError(.badTimestamp, "A chunk's time range \(start)…\(end) µs is not valid", offset: offset + 24)
        }
        guard let codec = Codec(rawValue: bytes[5]) else {
            throw FormatError(.unsupportedChunk, "A chunk uses compression codec \(bytes[5]), which this reader does not know", offset: offset + 5)
        }
        if codec == .none && storedLength != decodedLength {
            throw FormatError(.badCompression, "An uncompressed chunk declares \(storedLength) stored but \(decodedLength) decoded bytes", offset: offset + 12)
        }
        let flags = bytes.le16(6)
        if !type.isAncillary && flags & ~(type == .events ? columnarEvents : 0) != 0 {
            throw FormatError(.unsupportedChunk, "A critical chunk sets flags this reader does not know", offset: offset + 6)
        }
        return ChunkHeader(type: type, codec: codec, sequence: bytes.le32(8), storedLength: storedLength,
                           decodedLength: decodedLength, itemCount: itemCount, startMicros: start,
                           endMicros: end, payloadCRC: bytes.le32(40), flags: flags)
    }
}
