import Foundation
import Testing
@testable import PsrecFormat

@Suite struct RecordingReaderTests {
    @Test func aCompleteFileOpensThroughTheIndexWithoutReadingEventChunks() throws {
        let events = Sample.longSession(seconds: 600)
        let bytes = try Sample.file(events)
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.status == .complete)
        #expect(!reader.openedByScan)
        #expect(reader.chunkReads == 2)  // the final index and the metadata
        #expect(reader.entries.count >= 600)
        #expect(reader.durationMicros == events.last!.timeMicros)
    }

    @Test func seekingToTheLastMinuteReadsABoundedNumberOfChunks() throws {
        let events = Sample.longSession(seconds: 3600)
        let reader = try RecordingReader(source: MemorySource(try Sample.file(events)))
        let opened = reader.chunkReads
        let from = reader.durationMicros - 60_000_000
        let seen = Array(reader.events(fromMicros: from))
        // One chunk per second of session time, plus at most one chunk that straddles the start.
        #expect(reader.chunkReads - opened <= 62)
        #expect(seen.first!.timeMicros >= from)
        #expect(seen == events.filter { $0.timeMicros >= from })
    }

    @Test func aCutAtEveryByteOffsetOpensAndGivesAPrefixOfTheOutput() throws {
        var options = Sample.options()
        options.indexEveryChunks = 2
        let events = Sample.everyEvent + Sample.longSession(seconds: 3).map { TimedEvent(timeMicros: $0.timeMicros + 7_000_000, event: $0.event) }
        let full = try Sample.file(events, options: options)
        let fullOutput = Sample.output(of: events)
        var lastLength = -1
        for cut in 0..<full.count {
            let prefix = Array(full.prefix(cut))
            guard cut >= FileHeader.size else {
                #expect(throws: FormatError.self) { _ = try RecordingReader(source: MemorySource(prefix)) }
                continue
            }
            let reader = try RecordingReader(source: MemorySource(prefix))
            #expect(reader.status == .truncated, "cut at \(cut)")
            let output = try Sample.output(of: reader)
            #expect(fullOutput.starts(with: output), "cut at \(cut)")
            #expect(output.count >= lastLength, "cut at \(cut)")
            lastLength = output.count
        }
        #expect(lastLength == fullOutput.count)
    }

    @Test func aZeroFilledTailIsTruncationNotDamage() throws {
        let bytes = try Sample.file(Sample.longSession(seconds: 5), close: false)
        let reader = try RecordingReader(source: MemorySource(bytes + Array(repeating: 0, count: 4096)))
        #expect(reader.status == .truncated)
        #expect(reader.truncation?.zeroFilled == true)
        #expect(try Sample.output(of: reader) == Sample.output(of: Sample.longSession(seconds: 5)))
    }

    @Test func damageIsSkippedAndEverythingElseStillPlays() throws {
        let events = Sample.longSession(seconds: 10)
        var bytes = try Sample.file(events, options: Sample.options(.none))
        let clean = try RecordingReader(source: MemorySource(bytes))
        let victim = clean.entries[4]
        bytes[Int(victim.offset) + 60] ^= 0xFF       // inside the payload
        bytes[Int(clean.entries[7].offset) + 10] ^= 0x01  // inside a header
        let reader = try RecordingReader(source: MemorySource(bytes))
        var got: [UInt8] = []
        try reader.forEachEvent { if $0.type == .output { got += $0.body } }
        #expect(reader.status == .corrupt)
        let lost = Set([victim.offset, clean.entries[7].offset])
        var expected: [UInt8] = []
        for entry in clean.entries where !lost.contains(entry.offset) {
            try clean.forEachEvent(fromMicros: entry.startMicros, toMicros: entry.endMicros) { e in
                if e.type == .output, clean.entries[clean.entryIndex(atOrAfter: e.timeMicros)].offset == entry.offset { expected += e.body }
            }
        }
        #expect(got.count < Sample.output(of: events).count)
        let scanned = try RecordingReader(source: MemorySource(bytes), scan: true)
        #expect(scanned.status == .corrupt)
        #expect(scanned.damage.contains { $0.error.code == .badHeaderChecksum })
        #expect(scanned.entries.count == clean.entries.count - 1)
    }

    @Test("A chunk whose event list fails after an indicator gives no indicator when scanning", arguments: [EventLayout.interleaved, .columnar])
    func noIndicatorFromAChunkThatFails(layout: EventLayout) throws {
        var options = Sample.options(.none)
        options.eventLayout = layout
        let events = [TimedEvent(timeMicros: 0, event: .output(Array("a".utf8))), TimedEvent(timeMicros: 10, event: .marker("lost")),
                      TimedEvent(timeMicros: 2_000_000, event: .output(Array("b".utf8))), TimedEvent(timeMicros: 2_000_010, event: .marker("kept"))]
        var surgery = try FileSurgery(try Sample.file(events, options: options))
        surgery.chunks.removeLast()  // the final index: without it and the trailer, the file is read by scanning
        let first = try #require(surgery.chunks.firstIndex { $0.header.type == .events })
        // One byte more after the marker: an event type with nothing after it.
        surgery.chunks[first].stored.append(0x01)
        surgery.chunks[first].header.decodedLength += 1
        let bytes = surgery.assemble(keepTrailer: false)
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.indicators.map(\.detail) == ["kept"])
        #expect(Array(reader.events()).count == 2)
        #expect(reader.status == .corrupt)
    }

    @Test func garbageAfterTheTrailerIsReported() throws {
        let bytes = try Sample.file(Sample.everyEvent) + Array("garbage".utf8)
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.status == .corrupt)
        #expect(reader.trailer != nil)
        #expect(reader.damage.contains { $0.error.code == .badTrailer })
        #expect(Array(reader.events()) == Sample.everyEvent)
    }

    @Test func notAPsrecFileIsRejectedWithASentence() {
        #expect(throws: FormatError(.badSignature, "")) { _ = try RecordingReader(source: MemorySource(Array("hello world, this is text only....".utf8))) }
        #expect(throws: FormatError.self) { _ = try RecordingReader(source: MemorySource([])) }
    }

    @Test func anUnknownAncillaryChunkIsSkippedAndAnUnknownCriticalOneStopsReading() throws {
        let base = try Sample.file(Sample.longSession(seconds: 3), close: false)
        let reader = try RecordingReader(source: MemorySource(base))
        let seq = UInt32(reader.entries.count + 1)
        func chunk(_ type: UInt8, sequence: UInt32) -> [UInt8] {
            let payload: [UInt8] = [1, 2, 3]
            let crc = payload.withUnsafeBytes { Checksum.salted($0, salt: reader.header.salt) }
            var w = ByteWriter()
            ChunkHeader(type: ChunkType(rawValue: type), codec: .none, sequence: sequence, storedLength: 3, decodedLength: 3,
                        itemCount: 0, startMicros: reader.endMicros, endMicros: reader.endMicros, payloadCRC: crc).encode(into: &w, salt: reader.header.salt)
            return w.bytes + payload
        }
        let ancillary = try RecordingReader(source: MemorySource(base + chunk(0xC0, sequence: seq)))
        #expect(ancillary.status == .truncated)
        let critical = try RecordingReader(source: MemorySource(base + chunk(0x40, sequence: seq)))
        #expect(critical.status == .corrupt)
        #expect(critical.damage.first?.error.code == .unsupportedChunk)
        #expect(try Sample.output(of: critical) == Sample.output(of: Sample.longSession(seconds: 3)))
    }
}
