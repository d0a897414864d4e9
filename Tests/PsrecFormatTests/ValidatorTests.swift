import Foundation
import Testing
@testable import PsrecFormat

/// The damage an auditor's verdict must survive (issue 3, section 3).
@Suite struct ValidatorTests {
    static let events = Sample.everyEvent + Sample.longSession(seconds: 4).map { TimedEvent(timeMicros: $0.timeMicros + 7_000_000, event: $0.event) }

    static func small(_ codec: Codec = .zstd) throws -> [UInt8] {
        var options = Sample.options(codec)
        options.indexEveryChunks = 3
        return try Sample.file(events, options: options)
    }

    func verdict(_ bytes: [UInt8]) -> Verdict { Validator.verify(MemorySource(bytes)) }

    /// Events the reader yields, as a list.
    func readable(_ bytes: [UInt8]) throws -> [TimedEvent] {
        Array(try RecordingReader(source: MemorySource(bytes)).events())
    }

    /// The events of every chunk except those at `lost` offsets of the clean file.
    func eventsExcept(chunks lost: Set<Int64>, of clean: [UInt8]) throws -> [TimedEvent] {
        let reader = try RecordingReader(source: MemorySource(clean))
        var kept: [TimedEvent] = []
        for entry in reader.entries where !lost.contains(entry.offset) {
            let (chunk, payload) = try reader.readEvents(entry)
            try payload.withUnsafeBytes { raw in
                try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { kept.append(TimedEvent(timeMicros: $0.timeMicros, event: try $0.decoded())) }
            }
        }
        return kept
    }

    @Test func aCleanFileIsComplete() throws {
        let v = verdict(try Self.small())
        #expect(v.status == .complete)
        #expect(v.problems.isEmpty)
        #expect(v.events == Self.events.count)
        #expect(v.indicators == 3)
    }

    @Test func aCutAtEveryByteOffsetIsTruncatedOrInvalidAndNeverCorrupt() throws {
        let full = try Self.small()
        let fullEvents = try readable(full)
        for cut in 0..<full.count {
            let prefix = Array(full.prefix(cut))
            let v = verdict(prefix)
            if cut < FileHeader.size {
                #expect(v.status == .invalid, "cut \(cut)")
                continue
            }
            #expect(v.status == .truncated, "cut \(cut): \(v.problems.map(\.message))")
            let got = try readable(prefix)
            #expect(Array(fullEvents.prefix(got.count)) == got, "cut \(cut)")
        }
    }

    @Test(arguments: [Codec.none, .zstd])
    func everySingleBitFlipIsDetected(codec: Codec) throws {
        let clean = try Self.small(codec)
        for bit in 0..<(clean.count * 8) {
            var damaged = clean
            damaged[bit / 8] ^= UInt8(1 << (bit % 8))
            let v = verdict(damaged)
            #expect(v.status == .corrupt || v.status == .invalid, "bit \(bit) (byte \(bit / 8)) gave \(v.status)")
        }
    }

    @Test func aZeroFilledTailIsTruncated() throws {
        let open = try Sample.file(Self.events, close: false)
        let v = verdict(open + Array(repeating: 0, count: 10_000))
        #expect(v.status == .truncated)
        #expect(try readable(open + Array(repeating: 0, count: 10_000)) == Self.events)
    }

    @Test func garbageAfterTheTrailerIsCorruptButEverythingPlays() throws {
        var rng = SystemRandomNumberGenerator()
        let garbage = (0..<333).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let bytes = try Self.small() + garbage
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badTrailer" && $0.message.contains("333 bytes follow the trailer") })
        #expect(try readable(bytes) == Self.events)
    }

    @Test func aChunkCopiedFromAnotherFileDoesNotValidate() throws {
        let mine = try FileSurgery(try Self.small())
        var options = Sample.options(.zstd, salt: 0xBAD)
        options.indexEveryChunks = 3
        let theirs = try FileSurgery(try Sample.file(Self.events, options: options))
        var surgery = mine
        surgery.chunks[2] = theirs.chunks[2]   // same sequence number, same content, other salt
        let bytes = surgery.assemble()
        var spliced = Array(bytes.prefix(surgery.offset(of: 2)))
        spliced += FileSurgery.encode(theirs.chunks[2], salt: theirs.salt)
        spliced += bytes[(surgery.offset(of: 3))...]
        let v = verdict(spliced)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badHeaderChecksum" })
        let lost = Set([Int64(mine.offset(of: 2))])
        #expect(try readable(spliced) == eventsExcept(chunks: lost, of: try Self.small()))
    }

    @Test func duplicatedDroppedAndReorderedChunksAreCorrupt() throws {
        let clean = try Self.small()
        let surgery = try FileSurgery(clean)
        var duplicated = surgery
        duplicated.chunks.insert(surgery.chunks[3], at: 4)
        var dropped = surgery
        dropped.chunks.remove(at: 3)
        var reordered = surgery
        reordered.chunks.swapAt(3, 4)
        for (name, s) in [("duplicated", duplicated), ("dropped", dropped), ("reordered", reordered)] {
            let bytes = s.assemble()
            let v = verdict(bytes)
            #expect(v.status == .corrupt, "\(name)")
            #expect(v.problems.contains { $0.kind == "badSequence" }, "\(name): \(v.problems.map(\.message))")
            _ = try readable(bytes)
        }
        // A duplicate is skipped: every event is still there exactly once.
        let dupEvents = Array(try RecordingReader(source: MemorySource(duplicated.assemble()), scan: true).events())
        #expect(dupEvents == Self.events)
    }

    @Test func aTornTrailerIsNeverTrusted() throws {
        let clean = try Self.small()
        let short = Array(clean.dropLast(30))
        #expect(verdict(short).status == .truncated)
        var flipped = clean
        flipped[clean.count - 5] = flipped[clean.count - 5] == 0x30 ? 0x31 : 0x30
        #expect(verdict(flipped).status == .corrupt)
        #expect(try readable(flipped) == Self.events)
    }

    @Test func anIndexPointingAtWrongOffsetsIsCaught() throws {
        let clean = try Self.small()
        var surgery = try FileSurgery(clean)
        let last = surgery.chunks.count - 1
        let finalChunk = surgery.chunks[last]
        let decoded = try finalChunk.stored.withBytes { (raw) throws(FormatError) -> [UInt8] in
            try Compressor().decompress(raw, codec: finalChunk.header.codec, decodedLength: finalChunk.header.decodedLength)
        }
        var index = try decoded.withBytes { (raw) throws(FormatError) -> IndexPayload in
            try IndexPayload.decode(raw, offset: Int64(surgery.offset(of: last)))
        }
        #expect(index.isFinal)
        let moved = index.entries[2].offset
        index.entries[2].offset += 7
        for i in index.indicators.indices where index.indicators[i].chunkOffset == moved { index.indicators[i].chunkOffset += 7 }
        let payload = index.encoded()
        surgery.chunks[last].header.codec = .none
        surgery.chunks[last].header.decodedLength = payload.count
        surgery.chunks[last].stored = payload
        let bytes = surgery.assemble(freshTrailer: true)
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badIndex" })
        // The reader trusts the trailer's index, finds the bad pointer, and skips only that chunk.
        let reader = try RecordingReader(source: MemorySource(bytes))
        _ = Array(reader.events())
        #expect(reader.status == .corrupt)
    }

    @Test func aFinalIndexStampedOtherThanTheTrailersDurationIsCaught() throws {
        let clean = try Self.small()
        var surgery = try FileSurgery(clean)
        let last = surgery.chunks.count - 1
        #expect(surgery.chunks[last].header.type == .index)
        let duration = surgery.chunks[last].header.endMicros
        // Later than every chunk (so no time check trips), earlier than nothing: only the
        // comparison with the trailer's `dur` can notice.
        surgery.chunks[last].header.startMicros = duration + 5
        surgery.chunks[last].header.endMicros = duration + 5
        let bytes = surgery.assemble()
        #expect(bytes.count == clean.count)
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badIndex" && $0.message.contains("trailer says the recording lasts \(duration)") })
        #expect(verdict(clean).status == .complete)
    }

    @Test func aTrailerThatEndsTheRecordingBeforeItsLastEventsIsCaught() throws {
        var surgery = try FileSurgery(try Self.small())
        let last = surgery.chunks.count - 1
        let lastEvents = try #require(surgery.chunks.last { $0.header.type == .events })
        let short = lastEvents.header.endMicros - 1
        let bytes = surgery.assemble(keepTrailer: false)
            + Trailer(indexOffset: Int64(surgery.offset(of: last)), indexSequence: surgery.chunks[last].header.sequence,
                      durationMicros: short).encoded(salt: surgery.salt)
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badTrailer" && $0.message.contains("lasts \(short) µs but its last events are at") })
    }

    @Test func aFourGigabyteLengthIsRejectedWithoutAllocating() throws {
        var surgery = try FileSurgery(try Self.small())
        var bytes = surgery.assemble()
        let at = surgery.offset(of: 2)
        var header = surgery.chunks[2].header
        header.storedLength = Int(UInt32.max)
        var w = ByteWriter()
        header.encode(into: &w, salt: surgery.salt)
        bytes.replaceSubrange(at..<(at + ChunkHeader.size), with: w.bytes)
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "limitExceeded" })
        surgery.chunks.remove(at: 2)
        _ = try readable(bytes)
    }

    @Test(arguments: [-1, 1, 1_000_000])
    func aDeclaredDecodedSizeThatLiesIsCaught(delta: Int) throws {
        var surgery = try FileSurgery(try Self.small(.zstd))
        let i = surgery.chunks.firstIndex { $0.header.type == .events && $0.header.codec == .zstd }!
        surgery.chunks[i].header.decodedLength = max(0, surgery.chunks[i].header.decodedLength + delta)
        let bytes = surgery.assemble()
        let v = verdict(bytes)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badCompression" })
        #expect(try readable(bytes) == (try eventsExcept(chunks: [Int64(surgery.offset(of: i))], of: try Self.small(.zstd))))
    }

    @Test func aDecompressionBombIsBoundedByTheDeclaredSize() throws {
        // 1 GiB of zeros compresses to about 32 KB; declared as 1 KiB, it must fail at 1 KiB.
        var surgery = try FileSurgery(try Self.small(.zstd))
        let i = surgery.chunks.firstIndex { $0.header.type == .events }!
        let zeros = [UInt8](repeating: 0, count: 64 << 20)
        let bomb = try zeros.withBytes { (raw) throws(FormatError) -> [UInt8] in try Compressor().compress(raw, codec: .zstd, level: 1) }
        surgery.chunks[i].header.codec = .zstd
        surgery.chunks[i].header.decodedLength = 1024
        surgery.chunks[i].stored = bomb
        let v = verdict(surgery.assemble())
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "badCompression" })
    }

    @Test func unknownAncillaryChunksAreSkippedAndUnknownCriticalOnesStopReading() throws {
        let clean = try Self.small()
        let surgery = try FileSurgery(clean)
        let finalIndex = surgery.chunks.count - 1
        func with(type: UInt8) -> [UInt8] {
            var s = surgery
            let time = s.chunks[finalIndex].header.startMicros
            s.chunks.insert(FileSurgery.RawChunk(header: ChunkHeader(type: ChunkType(rawValue: type), codec: .none, sequence: 0, storedLength: 0, decodedLength: 4, itemCount: 0, startMicros: time, endMicros: time, payloadCRC: 0), stored: [9, 9, 9, 9]), at: finalIndex)
            return s.assemble(resequence: true, freshTrailer: true)
        }
        let ancillary = with(type: 0xE0)
        #expect(verdict(ancillary).status == .complete)
        #expect(try readable(ancillary) == Self.events)
        let critical = with(type: 0x60)
        let v = verdict(critical)
        #expect(v.status == .corrupt)
        #expect(v.problems.contains { $0.kind == "unsupportedChunk" })
        #expect(try readable(critical) == Self.events)
    }

    @Test func notAPsrecFileIsInvalid() {
        #expect(verdict(Array("#!/bin/sh\necho hello\n".utf8)).status == .invalid)
        #expect(verdict([]).status == .invalid)
        #expect(Validator.verify(path: "/nonexistent/file.psrec").status == .invalid)
    }

    @Test func verdictsOrderAsExitStatuses() {
        #expect(Verdict.Status.allCases.map(\.exitStatus) == [0, 1, 2, 3])
        #expect(Verdict.Status.allCases.max() == .invalid)
    }
}
