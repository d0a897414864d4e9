@testable import PsrecFormat

/// Takes a valid file apart into chunks and puts it back together, so tests can damage
/// it in the ways the Spec says a reader must survive.
struct FileSurgery {
    struct RawChunk {
        var header: ChunkHeader
        var stored: [UInt8]
    }

    var head: [UInt8]
    var salt: UInt64
    var chunks: [RawChunk]
    var trailer: [UInt8]

    init(_ bytes: [UInt8]) throws {
        head = Array(bytes.prefix(FileHeader.size))
        let salt = try head.withBytes { (raw) throws(FormatError) -> FileHeader in try FileHeader.decode(raw) }.salt
        self.salt = salt
        var chunks: [RawChunk] = []
        var offset = FileHeader.size
        while bytes.count - offset > Trailer.size {
            let header = try Array(bytes[offset..<(offset + ChunkHeader.size)]).withBytes { (raw) throws(FormatError) -> ChunkHeader in
                try ChunkHeader.decode(raw, salt: salt, offset: Int64(offset))
            }
            let start = offset + ChunkHeader.size
            chunks.append(RawChunk(header: header, stored: Array(bytes[start..<(start + header.storedLength)])))
            offset = start + header.storedLength
        }
        self.chunks = chunks
        trailer = Array(bytes[offset...])
    }

    /// Serialises one chunk with correct CRCs for `salt`.
    static func encode(_ chunk: RawChunk, salt: UInt64) -> [UInt8] {
        var header = chunk.header
        header.storedLength = chunk.stored.count
        header.payloadCRC = chunk.stored.withUnsafeBytes { Checksum.salted($0, salt: salt) }
        var w = ByteWriter()
        header.encode(into: &w, salt: salt)
        return w.bytes + chunk.stored
    }

    /// The file again. With `resequence`, chunks are renumbered 0, 1, 2…; with
    /// `freshTrailer`, a valid trailer is computed for the last chunk (which must be the final index).
    func assemble(resequence: Bool = false, freshTrailer: Bool = false, keepTrailer: Bool = true) -> [UInt8] {
        var bytes = head
        var lastOffset = 0
        var lastSequence: UInt32 = 0
        for (i, var chunk) in chunks.enumerated() {
            if resequence { chunk.header.sequence = UInt32(i) }
            lastOffset = bytes.count
            lastSequence = chunk.header.sequence
            bytes += Self.encode(chunk, salt: salt)
        }
        if freshTrailer {
            let duration = Int64(String(decoding: trailer[50..<66], as: UTF8.self)) ?? 0
            bytes += Trailer(indexOffset: Int64(lastOffset), indexSequence: lastSequence, durationMicros: duration).encoded(salt: salt)
        } else if keepTrailer {
            bytes += trailer
        }
        return bytes
    }

    /// Offset of chunk `i` in the assembled file.
    func offset(of i: Int) -> Int {
        FileSurgery.encodedLengths(chunks.prefix(i)) + FileHeader.size
    }

    static func encodedLengths<S: Sequence>(_ list: S) -> Int where S.Element == RawChunk {
        list.reduce(0) { $0 + ChunkHeader.size + $1.stored.count }
    }
}
