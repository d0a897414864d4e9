/// An append-only byte buffer with little-endian and varint writers.
///
/// `Spec/format.md#integers`: all fixed-width integers are little-endian; uvarints are
/// unsigned LEB128 of at most 10 bytes; svarints are zigzag-encoded uvarints.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    @inlinable public var count: Int { bytes.count }

    /// Appends one byte.
    @inlinable public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends a 16-bit little-endian integer.
    @inlinable public mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    /// Appends a 32-bit little-endian integer.
    @inlinable public mutating func writeUInt32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    /// Appends a 64-bit little-endian integer.
    @inlinable public mutating func writeUInt64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Appends a 64-bit little-endian signed integer (two's complement).
    @inlinable public mutating func writeInt64(_ value: Int64) { writeUInt64(UInt64(bitPattern: value)) }

    /// Appends an unsigned LEB128 varint.
    @inlinable public mutating func writeUVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Appends an unsigned varint from a non-negative `Int`.
    @inlinable public mutating func writeUVarint(_ value: Int) {
        precondition(value >= 0, "uvarint of a negative value")
        writeUVarint(UInt64(value))
    }

    /// Appends a zigzag-encoded signed varint.
    @inlinable public mutating func writeSVarint(_ value: Int64) {
        writeUVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends raw bytes.
    @inlinable public mutating func writeBytes<C: Collection>(_ data: C) where C.Element == UInt8 {
        bytes.append(contentsOf: data)
    }

    /// Appends a uvarint length followed by the bytes.
    @inlinable public mutating func writeLengthPrefixed<C: Collection>(_ data: C) where C.Element == UInt8 {
        writeUVarint(data.count)
        bytes.append(contentsOf: data)
    }

    /// Appends a uvarint length followed by the UTF-8 of `string`.
    public mutating func writeString(_ string: String) { writeLengthPrefixed(Array(string.utf8)) }

    /// Overwrites 4 bytes at `offset` with a little-endian integer.
    public mutating func setUInt32(_ value: UInt32, at offset: Int) {
        for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> UInt32(8 * i)) }
    }
}
