import PsrecFormat

/// How a psrec file is cut into the rows of the `chunks` table: the file header, each
/// chunk (header and payload), then the trailer, or for a truncated file the bytes after
/// its last complete chunk. Concatenated in offset order they are the file, byte for byte.
///
/// ```
/// 0        32          32+48+n                     size-80   size
/// | header | chunk 0   | chunk 1 | … | chunk k     | trailer |     complete
/// | header | chunk 0   | chunk 1 | … | chunk k     | tail…   |     truncated
/// ```
struct FileLayout: Equatable {
    /// One row of the `chunks` table.
    struct Segment: Equatable {
        enum Kind: String {
            case header, chunk, trailer, tail
        }
        var offset: Int64
        var length: Int
        var kind: Kind
        /// The chunk's sequence number (chunks only).
        var sequence: UInt32?
        /// The chunk type byte (chunks only).
        var chunkType: UInt8?

        var end: Int64 { offset + Int64(length) }
    }

    /// Tails are stored in pieces of at most this many bytes.
    static let tailPieceBytes = 1 << 20

    var segments: [Segment]

    /// Segments other than the tail: the part a longer copy of the recording must repeat.
    var settled: ArraySlice<Segment> { segments.prefix { $0.kind != .tail } }

    /// Walks the chunk headers of a file the validator found complete or truncated.
    /// - Parameter chunksEnd: where the chunk stream ends: the trailer's offset, or the end
    ///   of the last complete chunk of a truncated file.
    /// - Throws: `.unimportable` when a header is not where the validator saw one (the file
    ///   changed in between).
    init(source: any ByteSource, chunksEnd: Int64, hasTrailer: Bool, name: String) throws(CatalogError) {
        let size = source.size
        segments = [Segment(offset: 0, length: FileHeader.size, kind: .header)]
        var offset = Int64(FileHeader.size)
        do {
            while offset < chunksEnd {
                let head = try source.read(at: offset, count: ChunkHeader.size)
                guard head.count == ChunkHeader.size, head.starts(with: ChunkHeader.magic) else {
                    throw CatalogError(.unimportable, "\(name) changed while it was being imported: no chunk header at byte \(offset).")
                }
                let stored = Int64(Self.le32(head, 12))
                let end = offset + Int64(ChunkHeader.size) + stored
                guard end <= chunksEnd else {
                    throw CatalogError(.unimportable, "\(name) changed while it was being imported: the chunk at byte \(offset) runs past byte \(chunksEnd).")
                }
                segments.append(Segment(offset: offset, length: Int(end - offset), kind: .chunk,
                                        sequence: Self.le32(head, 8), chunkType: head[4]))
                offset = end
            }
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError(.unimportable, "\(name) cannot be read: \(CatalogError.clause(String(describing: error))).")
        }
        if hasTrailer {
            segments.append(Segment(offset: offset, length: Int(size - offset), kind: .trailer))
        } else {
            while offset < size {
                let length = Int(min(Int64(Self.tailPieceBytes), size - offset))
                segments.append(Segment(offset: offset, length: length, kind: .tail))
                offset += Int64(length)
            }
        }
    }

    init(segments: [Segment]) { self.segments = segments }

    private static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
