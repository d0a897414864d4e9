import Foundation
import PsrecTestSupport
import Testing
@testable import PsrecFormat

/// The Spec's bounds that keep a reader's memory proportional to the file (issue 11):
/// index entries one chunk header apart, at most 16 indicators per chunk, chunks visited
/// without an object per event.
@Suite struct MemoryBoundTests {
    static func indexPayload(entries: [(offset: Int, sequence: Int)], indicators: [(ordinal: Int, detail: String)] = []) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt8(1)
        w.writeUVarint(0)
        w.writeUVarint(entries.count)
        var offset = 0, sequence = 0
        for e in entries {
            w.writeUVarint(e.offset - offset)
            w.writeUVarint(e.sequence - sequence)
            w.writeUVarint(0)
            w.writeUVarint(0)
            w.writeUVarint(1)
            (offset, sequence) = (e.offset, e.sequence)
        }
        w.writeUVarint(indicators.count)
        for i in indicators {
            w.writeUVarint(0)
            w.writeUInt8(EventType.marker.rawValue)
            w.writeUVarint(i.ordinal)
            w.writeString(i.detail)
        }
        return w.bytes
    }

    static func decode(_ payload: [UInt8], at offset: Int64 = 100_000) throws(FormatError) -> IndexPayload {
        try payload.withBytes { (raw) throws(FormatError) -> IndexPayload in try IndexPayload.decode(raw, offset: offset) }
    }

    @Test func indexEntriesAreAChunkHeaderApart() throws {
        #expect(try Self.decode(Self.indexPayload(entries: [(80, 1), (128, 2)])).entries.count == 2)
        #expect(throws: FormatError.self) { try Self.decode(Self.indexPayload(entries: [(80, 1), (127, 2)])) }
        #expect(throws: FormatError.self) { try Self.decode(Self.indexPayload(entries: [(79, 1)])) }
    }

    @Test func anIndexCannotClaimMoreEntriesThanChunkHeadersFitBeforeIt() throws {
        // Index at offset 224: chunks at 80, 128, 176 fit, a fourth does not.
        let three = Self.indexPayload(entries: [(80, 1), (128, 2), (176, 3)])
        #expect(try Self.decode(three, at: 224).entries.count == 3)
        var claim = ByteWriter()
        claim.writeUInt8(1)
        claim.writeUVarint(0)
        claim.writeUVarint(4)
        claim.writeBytes([UInt8](repeating: 0x30, count: 400))
        #expect(throws: FormatError.self) { try Self.decode(claim.bytes, at: 224) }
    }

    @Test func anIndexListsAtMost16IndicatorsPerChunk() throws {
        let sixteen = (0..<16).map { (ordinal: 0, detail: "m\($0)") }
        #expect(try Self.decode(Self.indexPayload(entries: [(80, 1)], indicators: sixteen)).indicators.count == 16)
        #expect(throws: FormatError.self) {
            try Self.decode(Self.indexPayload(entries: [(80, 1)], indicators: sixteen + [(ordinal: 0, detail: "one more")]))
        }
    }

    @Test func aChunkWithMoreThan16IndicatorsIsDamagedWhole() throws {
        var f = try RawFile()
        let markers = (0..<17).map { TimedEvent(timeMicros: 0, event: .marker("m\($0)")) }
        let crowded = f.events([TimedEvent(timeMicros: 0, event: .output(Array("hidden".utf8)))] + markers)
        let fine = f.events((0..<16).map { TimedEvent(timeMicros: 1, event: .marker("n\($0)")) } + [TimedEvent(timeMicros: 1, event: .output(Array("shown".utf8)))])
        let bytes = f.bytes
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.openedByScan)
        #expect(reader.indicators.count == 16)
        #expect(reader.indicators.allSatisfy { $0.chunkOffset == fine.offset })
        #expect(String(decoding: try Sample.output(of: reader), as: UTF8.self) == "shown")
        #expect(reader.damage.map(\.offset) == [crowded.offset])
        let verdict = Validator.verify(MemorySource(bytes))
        #expect(verdict.status == .corrupt)
        #expect(verdict.indicators == 16)
        #expect(try SpecDisagreementTests.independentStatus(bytes) == "corrupt")
    }

    @Test func theVerifierComparesIndicatorsAsAMultiset() throws {
        // Same indicators in another order agree; one changed detail does not.
        var f = try RawFile()
        let a = f.events([TimedEvent(timeMicros: 1, event: .marker("a"))])
        let b = f.events([TimedEvent(timeMicros: 1, event: .command("b"))])
        let listed = [Indicator(timeMicros: 1, kind: .command, chunkOffset: b.offset, detail: "b"),
                      Indicator(timeMicros: 1, kind: .marker, chunkOffset: a.offset, detail: "a")]
        var good = f
        good.trailer(good.finalIndex([a, b], indicators: listed, duration: 1), duration: 1)
        #expect(Validator.verify(MemorySource(good.bytes)).status == .complete)
        var bad = f
        var wrong = listed
        wrong[0].detail = "c"
        bad.trailer(bad.finalIndex([a, b], indicators: wrong, duration: 1), duration: 1)
        let verdict = Validator.verify(MemorySource(bad.bytes))
        #expect(verdict.status == .corrupt)
        #expect(verdict.problems.contains { $0.message.contains("indicators do not match") })
    }
}

extension MemoryBoundTests {
    @Test func aScanUsesOnlyIndexesThatListExactlyTheChunksSinceThePreviousOne() throws {
        var f = try RawFile()
        let a = f.events([TimedEvent(timeMicros: 0, event: .marker("a"))])
        let b = f.events([TimedEvent(timeMicros: 1, event: .marker("b"))])
        // A partial index listing both chunks but claiming an indicator of its own; then one
        // listing them again, which is not what was written since the first.
        let first = IndexPayload(isFinal: false, previousIndexOffset: nil, entries: [a, b],
                                 indicators: [Indicator(timeMicros: 0, kind: .marker, chunkOffset: a.offset, detail: "a"),
                                              Indicator(timeMicros: 1, kind: .marker, chunkOffset: b.offset, detail: "b")]).encoded()
        let firstOffset = f.chunk(.index, first, items: 4, start: 1, end: 1)
        let again = IndexPayload(isFinal: false, previousIndexOffset: firstOffset, entries: [a, b], indicators: []).encoded()
        let againOffset = f.chunk(.index, again, items: 2, start: 1, end: 1)
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(reader.indexRecords.map(\.offset) == [firstOffset])
        #expect(reader.damage.map(\.offset) == [againOffset])
        #expect(reader.indicators.map(\.detail) == ["a", "b"])
        #expect(Validator.verify(MemorySource(f.bytes)).status == .corrupt)
        #expect(try SpecDisagreementTests.independentStatus(f.bytes) == "corrupt")
    }
}

extension MemoryBoundTests {
    @Test func theIndicatorsOfOneChunkShare1024BytesOfDetail() throws {
        var f = try RawFile()
        let long = String(repeating: "é", count: 400)   // 800 bytes
        let e = f.events([TimedEvent(timeMicros: 0, event: .marker(long)), TimedEvent(timeMicros: 0, event: .command(long))])
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(reader.indicators.map(\.detail.utf8.count) == [800, 224])
        // An index may not give one chunk more.
        let over = IndexPayload(isFinal: true, previousIndexOffset: nil, entries: [e],
                                indicators: [Indicator(timeMicros: 0, kind: .marker, chunkOffset: e.offset, detail: long),
                                             Indicator(timeMicros: 0, kind: .command, chunkOffset: e.offset, detail: String(long.prefix(200)))]).encoded()
        #expect(throws: FormatError.self) { try Self.decode(over) }
        let shared = IndexPayload(isFinal: true, previousIndexOffset: nil, entries: [e],
                                  indicators: [Indicator(timeMicros: 0, kind: .marker, chunkOffset: e.offset, detail: long),
                                               Indicator(timeMicros: 0, kind: .command, chunkOffset: e.offset, detail: String(long.prefix(112)))])
        #expect(try Self.decode(shared.encoded()).indicators.map(\.detail.utf8.count) == [800, 224])
        var complete = f
        complete.trailer(complete.finalIndex([e], indicators: shared.indicators, duration: 0), duration: 0)
        #expect(Validator.verify(MemorySource(complete.bytes)).status == .complete)
        #expect(try SpecDisagreementTests.independentStatus(complete.bytes) == "complete")
    }
}
