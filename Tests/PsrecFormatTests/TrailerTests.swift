import Testing
@testable import PsrecFormat

@Suite struct TrailerTests {
    let trailer = Trailer(indexOffset: 4242, indexSequence: 17, durationMicros: 12_345_678)

    @Test func isEightyPrintableBytesEndingInNewline() {
        let bytes = trailer.encoded(salt: 9)
        #expect(bytes.count == Trailer.size)
        #expect(bytes.last == 0x0A)
        #expect(bytes.dropLast().allSatisfy { $0 >= 0x20 && $0 < 0x7F })
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("PSREC-END idx=0000000000004242 seq=0000000017 dur=0000000012345678 crc="))
    }

    @Test func roundTripsOnlyWithItsOwnSalt() {
        let bytes = trailer.encoded(salt: 9)
        #expect(bytes.withUnsafeBytes { Trailer.decode($0, salt: 9) } == trailer)
        #expect(bytes.withUnsafeBytes { Trailer.decode($0, salt: 10) } == nil)
    }

    @Test func anyChangedByteIsRejected() {
        let bytes = trailer.encoded(salt: 9)
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] = damaged[i] == 0x30 ? 0x31 : 0x30
            #expect(damaged.withUnsafeBytes { Trailer.decode($0, salt: 9) } == nil, "byte \(i)")
        }
    }
}
