import Testing
@testable import PsrecFormat

@Suite struct ChunkHeaderTests {
    let header = ChunkHeader(type: .events, codec: .zstd, sequence: 7, storedLength: 100, decodedLength: 300,
                             itemCount: 5, startMicros: 1_000, endMicros: 2_000, payloadCRC: 0xDEAD_BEEF)

    func encoded(salt: UInt64 = 42) -> [UInt8] {
        var w = ByteWriter()
        header.encode(into: &w, salt: salt)
        return w.bytes
    }

    func decode(_ bytes: [UInt8], salt: UInt64 = 42) throws(FormatError) -> ChunkHeader {
        try bytes.withBytes { (raw) throws(FormatError) -> ChunkHeader in try ChunkHeader.decode(raw, salt: salt, offset: 0) }
    }

    @Test func roundTrips() throws {
        let bytes = encoded()
        #expect(bytes.count == ChunkHeader.size)
        #expect(Array(bytes.prefix(4)) == ChunkHeader.magic)
        #expect(try decode(bytes) == header)
    }

    @Test func everySingleBitFlipIsDetected() {
        let bytes = encoded()
        for bit in 0..<(bytes.count * 8) {
            var damaged = bytes
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(throws: FormatError.self) { _ = try decode(damaged) }
        }
    }

    @Test func anotherFilesSaltDoesNotValidate() {
        #expect(throws: FormatError(.badHeaderChecksum, "")) { _ = try decode(encoded(salt: 1), salt: 2) }
    }

    @Test func lengthsOverTheLimitAreRejectedEvenWithAValidChecksum() {
        var huge = header
        huge.storedLength = Int(UInt32.max)
        var w = ByteWriter()
        huge.encode(into: &w, salt: 42)
        #expect(throws: FormatError(.limitExceeded, "")) { _ = try decode(w.bytes) }
    }

    @Test func unknownCodecIsUnsupported() {
        var bytes = encoded()
        bytes[5] = 9
        let crc = bytes.withUnsafeBytes { Checksum.salted(UnsafeRawBufferPointer(rebasing: $0[0..<44]), salt: 42) }
        var w = ByteWriter(); w.writeUInt32(crc)
        bytes.replaceSubrange(44..<48, with: w.bytes)
        #expect(throws: FormatError(.unsupportedChunk, "")) { _ = try decode(bytes) }
    }

    @Test func ancillaryBit() {
        #expect(ChunkType.index.isAncillary)
        #expect(!ChunkType.events.isAncillary)
        #expect(!ChunkType.metadata.isAncillary)
    }

    @Test func saltedChecksumMatchesTheSpecExample() {
        // Spec/format.md#checksums: crc32 over the 8 salt bytes (little-endian), then the data.
        let salt: UInt64 = 0x0102030405060708
        let value = Array("hello".utf8).withUnsafeBytes { Checksum.salted($0, salt: salt) }
        let direct = Checksum.crc32([0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01] + Array("hello".utf8))
        #expect(value == direct)
        #expect(Checksum.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
