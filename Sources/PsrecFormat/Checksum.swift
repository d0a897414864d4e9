internal import CZlib

/// CRC-32 as zlib computes it (`Spec/format.md#checksums`), optionally salted with the
/// file's 8-byte salt so that a chunk copied from another file never validates.
public enum Checksum {
    /// CRC-32 of `bytes`, continuing from `crc` (0 to start).
    @inlinable public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        _crc32(bytes, crc)
    }

    @usableFromInline static func _crc32(_ bytes: UnsafeRawBufferPointer, _ crc: UInt32) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var value = UInt(crc)
        var pointer = base.assumingMemoryBound(to: UInt8.self)
        var left = bytes.count
        while left > 0 {
            let step = min(left, Int(UInt32.max >> 1))
            value = CZlib.crc32(value, pointer, UInt32(step))
            pointer += step
            left -= step
        }
        return UInt32(truncatingIfNeeded: value)
    }

    /// CRC-32 of an array.
    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { _crc32($0, crc) }
    }

    /// The CRC state after feeding the 8 little-endian salt bytes; continue it over the data.
    public static func seed(salt: UInt64) -> UInt32 {
        withUnsafeBytes(of: salt.littleEndian) { _crc32($0, 0) }
    }

    /// Salted CRC-32: `crc32(crc32(0, salt), bytes)`.
    public static func salted(_ bytes: UnsafeRawBufferPointer, salt: UInt64) -> UInt32 {
        _crc32(bytes, seed(salt: salt))
    }
}
