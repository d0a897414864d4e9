/// The 32 bytes at the start of every psrec file (`Spec/format.md#file-header`).
///
/// ```
///  0        8      10    12         16            24      28       32
///  +--------+------+-----+----------+-------------+-------+--------+
///  |89 P S R| maj  |flags| hdr len  | file salt   | zero  | CRC-32 |
///  |0D 0A 1A 0A|min|     | (=32)    | (8 random)  |       | 0..<28 |
///  +--------+------+-----+----------+-------------+-------+--------+
/// ```
public struct FileHeader: Sendable, Equatable {
    /// The 8-byte signature: a high-bit byte, "PSR", CR LF, Ctrl-Z, LF.
    public static let signature: [UInt8] = [0x89, 0x50, 0x53, 0x52, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Size of the header in bytes.
    public static let size = 32
    /// The major version this implementation reads and writes.
    public static let currentMajor: UInt8 = 1
    /// The highest minor version this implementation knows (and writes when it seals; 1 with
    /// the columnar event layout alone).
    public static let currentMinor: UInt8 = 2

    /// Format major version.
    public var major: UInt8
    /// Format minor version.
    public var minor: UInt8
    /// The per-file salt mixed into every chunk checksum.
    public var salt: UInt64

    /// Creates a header for the current version.
    public init(salt: UInt64, major: UInt8 = FileHeader.currentMajor, minor: UInt8 = FileHeader.currentMinor) {
        self.salt = salt
        self.major = major
        self.minor = minor
    }

    /// The 32 encoded bytes.
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: Self.size)
        w.writeBytes(Self.signature)
        w.writeUInt8(major)
        w.writeUInt8(minor)
        w.writeUInt16(0)
        w.writeUInt32(UInt32(Self.size))
        w.writeUInt64(salt)
        w.writeUInt32(0)
        w.writeUInt32(Checksum.crc32(w.bytes))
        return w.bytes
    }

    /// Decodes and checks a header.
    /// - Throws: `.badSignature` when the signature is wrong (not a psrec file),
    ///   `.unsupportedVersion` for another major version, `.badFileHeader` otherwise.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(FormatError) -> FileHeader {
        guard bytes.count >= 8, zip(bytes.prefix(8), signature).allSatisfy({ $0 == $1 }) else {
            throw FormatError(.badSignature, "Not a psrec file: the first 8 bytes are not the psrec signature", offset: 0)
        }
        guard bytes.count >= size else {
            throw FormatError(.badFileHeader, "The file ends inside its 32-byte header", offset: Int64(bytes.count))
        }
        let stored = bytes.le32(28)
        let computed = Checksum.crc32(UnsafeRawBufferPointer(rebasing: bytes[0..<28]))
        guard stored == computed else {
            throw FormatError(.badFileHeader, "The file header fails its checksum", offset: 28)
        }
        let major = bytes[8]
        guard major == currentMajor else {
            throw FormatError(.unsupportedVersion, "psrec format version \(major).\(bytes[9]) is not supported (this reader knows 1.x)", offset: 8)
        }
        guard bytes.le16(10) == 0 else {
            throw FormatError(.badFileHeader, "The file header sets flags this reader does not know", offset: 10)
        }
        guard bytes.le32(12) == UInt32(size), bytes.le32(24) == 0 else {
            throw FormatError(.badFileHeader, "The file header declares an unexpected length or reserved value", offset: 12)
        }
        return FileHeader(salt: bytes.le64(16), major: major, minor: bytes[9])
    }
}
