/// A bounds-checked cursor over bytes that throws on malformed input.
///
/// `read…` consumes; `peek…` does not. Every read checks the remaining length first, so
/// no input can make it trap. Errors carry `baseOffset + position` so they point into the file.
public struct ByteReader {
    @usableFromInline let _bytes: UnsafeRawBufferPointer
    /// Offset of the next byte to read, relative to the start of the buffer.
    public private(set) var position: Int
    /// File offset of the buffer's first byte, for error messages.
    public let baseOffset: Int64
    /// What is being decoded, for error messages ("event", "index").
    public let context: String

    /// Creates a reader over `bytes`, which must outlive it.
    public init(_ bytes: UnsafeRawBufferPointer, baseOffset: Int64 = 0, context: String) {
        self._bytes = bytes
        self.position = 0
        self.baseOffset = baseOffset
        self.context = context
    }

    /// Bytes left to read.
    @inlinable public var remaining: Int { _bytes.count - position }
    /// True when every byte has been read.
    @inlinable public var isAtEnd: Bool { position >= _bytes.count }

    func error(_ what: String) -> FormatError {
        FormatError(.malformedPayload, "Malformed \(context): \(what)", offset: baseOffset + Int64(position))
    }

    /// Reads one byte.
    public mutating func readUInt8() throws(FormatError) -> UInt8 {
        guard position < _bytes.count else { throw error("unexpected end") }
        defer { position += 1 }
        return _bytes[position]
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes.
    @inline(__always)
    public mutating func readUVarint() throws(FormatError) -> UInt64 {
        // One and two bytes (event types' lengths, most time deltas) without the loop.
        if position + 1 < _bytes.count {
            let b0 = _bytes[position]
            if b0 < 0x80 {
                position += 1
                return UInt64(b0)
            }
            let b1 = _bytes[position + 1]
            if b1 < 0x80 && b1 != 0 {
                position += 2
                return UInt64(b0 & 0x7F) | UInt64(b1) << 7
            }
        }
        return try readUVarintLoop()
    }

    private mutating func readUVarintLoop() throws(FormatError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        for index in 0..<Limits.maxVarintBytes {
            guard position < _bytes.count else { throw error("varint runs past the end") }
            let byte = _bytes[position]
            position += 1
            if index == 9 && byte > 1 { throw error("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if index > 0 && byte == 0 { throw error("overlong varint") }
                return result
            }
            shift += 7
        }
        throw error("varint longer than 10 bytes")
    }

    /// Reads a uvarint that must be at most `limit`, as an `Int`.
    public mutating func readUVarint(max limit: Int, _ what: String) throws(FormatError) -> Int {
        let value = try readUVarint()
        guard value <= UInt64(limit) else { throw error("\(what) \(value) exceeds the limit \(limit)") }
        return Int(value)
    }

    /// Reads a zigzag-encoded signed varint.
    public mutating func readSVarint() throws(FormatError) -> Int64 {
        let raw = try readUVarint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads `count` bytes as a buffer slice that aliases the input.
    public mutating func readSlice(_ count: Int) throws(FormatError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw error("length \(count) runs past the end") }
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: _bytes[position..<(position + count)])
    }

    /// Reads `count` bytes into a new array.
    public mutating func readBytes(_ count: Int) throws(FormatError) -> [UInt8] {
        Array(try readSlice(count))
    }

    /// Reads a uvarint length then that many bytes of UTF-8; invalid UTF-8 is repaired with U+FFFD.
    public mutating func readString(max limit: Int, _ what: String) throws(FormatError) -> String {
        let length = try readUVarint(max: min(limit, remaining), what)
        return String(decoding: try readSlice(length), as: UTF8.self)
    }
}

/// Little-endian loads from raw bytes at fixed offsets (the caller has checked the length).
extension UnsafeRawBufferPointer {
    @inlinable func le16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    @inlinable func le32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    @inlinable func le64(_ offset: Int) -> UInt64 { UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}
