import Foundation
import Testing
@testable import PsrecFormat

/// `Validator.verify(_:known:)`: a server completing a streamed recording does not decode
/// again the chunks it checked as they arrived, and gives the same verdict.
@Suite struct ValidatorKnownTests {
    /// Every EVENTS chunk of `bytes`, checked as a server checks it on arrival.
    static func known(_ bytes: [UInt8]) throws -> [Int64: Validator.CheckedEvents] {
        let reader = try RecordingReader(source: MemorySource(bytes))
        var known: [Int64: Validator.CheckedEvents] = [:]
        for entry in reader.entries {
            let header = try reader.readHeader(at: entry.offset)
            let chunk = Array(bytes[Int(entry.offset)..<Int(entry.offset) + ChunkHeader.size + header.storedLength])
            let checked = try ChunkCheck.checkContent(chunk, offset: entry.offset, minorVersion: reader.header.minor, salt: reader.header.salt, compressor: Compressor())
            known[entry.offset] = try #require(Validator.CheckedEvents(checked))
        }
        return known
    }

    static func summary(_ v: Verdict) -> String {
        "\(v.status) events \(v.events) indicators \(v.indicators) chunks \(v.chunks) problems \(v.problems.map(\.kind))"
    }

    @Test("Known chunks give the verdict that decoding gives, and are not decompressed")
    func sameVerdict() throws {
        let bytes = try ValidatorTests.small()
        let known = try Self.known(bytes)
        #expect(known.count > 3)
        let plain = Validator.verify(MemorySource(bytes))
        let fast = Validator.verify(MemorySource(bytes), known: known)
        #expect(Self.summary(fast) == Self.summary(plain))
        #expect(fast.status == .complete && fast.indicators == 3)
        // What is known is taken, not decoded again: a count told one higher shows.
        var told = known
        let first = try #require(known.keys.min())
        told[first] = Validator.CheckedEvents(header: known[first]!.header, eventCount: known[first]!.eventCount + 1, indicators: known[first]!.indicators)
        #expect(Validator.verify(MemorySource(bytes), known: told).events == plain.events + 1)
    }

    @Test("An index whose indicators differ from the known chunks' is still found wrong")
    func indexMismatch() throws {
        // The file as written, checked chunk by chunk; then one chunk's known indicators are
        // those of another chunk, as if its events had carried other indicators.
        let bytes = try ValidatorTests.small()
        var known = try Self.known(bytes)
        let withIndicators = known.filter { $0.value.indicators.count > 0 }.keys.sorted()
        let without = known.filter { $0.value.indicators.count == 0 }.keys.sorted()
        let a = try #require(withIndicators.first), b = try #require(without.first)
        known[b] = known[a].map { Validator.CheckedEvents(header: known[b]!.header, eventCount: known[b]!.eventCount, indicators: $0.indicators) }
        let v = Validator.verify(MemorySource(bytes), known: known)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == FormatError.Code.badIndex.rawValue })
    }

    @Test("A known chunk whose stored bytes changed since is decoded, and its damage reported")
    func changedBytesAreDecoded() throws {
        let clean = try ValidatorTests.small()
        let known = try Self.known(clean)
        let reader = try RecordingReader(source: MemorySource(clean))
        let entry = reader.entries[1]
        // A payload byte flipped: the header (and its copy of the payload checksum) is intact.
        var damaged = clean
        damaged[Int(entry.offset) + ChunkHeader.size + 3] ^= 0x40
        let plain = Validator.verify(MemorySource(damaged))
        let fast = Validator.verify(MemorySource(damaged), known: known)
        #expect(plain.status == .corrupt)
        #expect(Self.summary(fast) == Self.summary(plain))
        // Another chunk's header at that offset (a chunk moved): not the chunk known.
        var moved = known
        moved[entry.offset] = known[reader.entries[2].offset]
        #expect(Self.summary(Validator.verify(MemorySource(clean), known: moved)) == Self.summary(Validator.verify(MemorySource(clean))))
    }
}
