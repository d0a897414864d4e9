import Testing
@testable import PsrecFormat

@Suite struct ByteReaderTests {
    func decode(_ bytes: [UInt8]) throws -> UInt64 {
        try bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, context: "test")
            let v = try r.readUVarint()
            #expect(r.isAtEnd)
            return v
        }
    }

    @Test(arguments: [UInt64(0), 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), UInt64.max - 1, UInt64.max])
    func uvarintRoundTrips(value: UInt64) throws {
        var w = ByteWriter()
        w.writeUVarint(value)
        #expect(w.count <= 10)
        #expect(try decode(w.bytes) == value)
    }

    @Test(arguments: [Int64.min, -1, 0, 1, Int64.max, -300])
    func svarintRoundTrips(value: Int64) throws {
        var w = ByteWriter()
        w.writeSVarint(value)
        let decoded = try w.bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw, context: "test")
            return try r.readSVarint()
        }
        #expect(decoded == value)
    }

    @Test func rejectsOverlongOverflowingAndRunawayVarints() {
        #expect(throws: FormatError.self) { try decode([0x80, 0x00]) }            // overlong zero
        #expect(throws: FormatError.self) { try decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]) } // > 64 bits
        #expect(throws: FormatError.self) { try decode(Array(repeating: 0x80, count: 11)) }
        #expect(throws: FormatError.self) { try decode([0x80]) }                  // runs past the end
    }

    @Test func sliceBeyondEndThrows() {
        [UInt8](repeating: 1, count: 3).withUnsafeBytes { raw in
            var r = ByteReader(raw, context: "test")
            #expect(throws: FormatError.self) { _ = try r.readSlice(4) }
            #expect(throws: FormatError.self) { _ = try r.readSlice(-1) }
        }
    }
}
