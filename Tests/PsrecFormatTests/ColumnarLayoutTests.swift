import Testing
@testable import PsrecFormat

/// The columnar event layout of format 1.1 (`Spec/format.md#columnar-layout`).
@Suite struct ColumnarLayoutTests {
    static func options(_ codec: Codec, _ layout: EventLayout) -> WriterOptions {
        var o = Sample.options(codec)
        o.eventLayout = layout
        o.chunkIntervalMicros = 60_000_000
        return o
    }

    /// An interactive session: keystroke echo with jittered gaps, prompts, command output.
    static func typing(_ count: Int) -> [TimedEvent] {
        var rng = SplitMix(seed: 7)
        var t: Int64 = 0
        return (0..<count).map { i in
            t += 20_000 + Int64(rng.next() % 200_000)
            let event: Event = switch i % 12 {
            case 0: .output(Array("\u{1B}[01;32maudit@db-prod\u{1B}[00m:~$ ".utf8))
            case 11: .output(Array("\r\n-rw-r--r-- 1 audit audit \(rng.next() % 100_000) Nov 29 report-\(i).csv\r\n".utf8))
            case 5: .input([UInt8(0x61 + i % 26)])
            default: .output([UInt8(0x61 + i % 26)])
            }
            return TimedEvent(timeMicros: t, event: event)
        }
    }

    static func chunks(_ bytes: [UInt8]) throws -> [FileSurgery.RawChunk] {
        try FileSurgery(bytes).chunks.filter { $0.header.type == .events }
    }

    @Test(arguments: [Codec.none, .zlib, .zstd])
    func bothLayoutsHoldTheSameEventsAndDecodedSizes(codec: Codec) throws {
        let events = Sample.everyEvent + Self.typing(300).map { TimedEvent(timeMicros: $0.timeMicros + 10_000_000, event: $0.event) }
        let columnar = try Sample.file(events, options: Self.options(codec, .columnar))
        let interleaved = try Sample.file(events, options: Self.options(codec, .interleaved))
        #expect(columnar[9] == 1, "a columnar file is version 1.1")
        #expect(interleaved[9] == 0, "an interleaved file stays version 1.0")
        for bytes in [columnar, interleaved] {
            let reader = try RecordingReader(source: MemorySource(bytes))
            #expect(reader.status == .complete)
            #expect(Array(reader.events()) == events)
        }
        let a = try Self.chunks(columnar), b = try Self.chunks(interleaved)
        #expect(a.count == b.count && a.count > 1)
        #expect(a.allSatisfy { $0.header.flags == ChunkHeader.columnarEvents })
        #expect(b.allSatisfy { $0.header.flags == 0 })
        #expect(zip(a, b).allSatisfy { $0.header.decodedLength == $1.header.decodedLength && $0.header.itemCount == $1.header.itemCount })
    }

    @Test func zstdPayloadsAreFourFramesOrTwoForFewEvents() throws {
        let bytes = try Sample.file(Self.typing(200), options: Self.options(.zstd, .columnar))
        let many = try Self.chunks(bytes)
        #expect(many.count == 1)
        let frames = try many[0].stored.withBytes { (raw) throws(FormatError) in try Compressor.zstdFrames(raw, allowed: .several) }
        #expect(frames.count == 4)
        #expect(frames.statedSize == UInt64(many[0].header.decodedLength))

        let few = try Self.chunks(try Sample.file(Self.typing(20), options: Self.options(.zstd, .columnar)))
        let two = try few[0].stored.withBytes { (raw) throws(FormatError) in try Compressor.zstdFrames(raw, allowed: .several) }
        #expect(two.count == 2)
        // Interleaved chunks stay one frame.
        let one = try Self.chunks(try Sample.file(Self.typing(200), options: Self.options(.zstd, .interleaved)))
        #expect(try one[0].stored.withBytes { (raw) throws(FormatError) in try Compressor.zstdFrames(raw, allowed: .one) }.count == 1)
    }

    @Test func columnarFilesOfTypingAreSmaller() throws {
        let events = Self.typing(20_000)
        let columnar = try Sample.file(events, options: Self.options(.zstd, .columnar)).count
        let interleaved = try Sample.file(events, options: Self.options(.zstd, .interleaved)).count
        // The sections compress better apart: well over 5% smaller on keystroke echo.
        #expect(Double(columnar) < 0.95 * Double(interleaved), "columnar \(columnar) B, interleaved \(interleaved) B")
    }

    @Test(arguments: [EventLayout.columnar, .interleaved])
    func runsHoldTheSameEventsAsSingleEvents(layout: EventLayout) throws {
        var events = Self.typing(3_000)
        // A stretch of output alone: one chunk of nothing but output.
        let last = events.last!.timeMicros
        events += (1...500).map { TimedEvent(timeMicros: last + 70_000_000 + Int64($0) * 1_000, event: .output(Array("line \($0)\r\n".utf8))) }
        let reader = try RecordingReader(source: MemorySource(try Sample.file(events, options: Self.options(.zstd, layout))))
        for (from, to) in [(Int64(0), Int64.max), (5_000_000, 40_000_000), (last + 70_100_000, last + 70_200_000)] {
            var single: [(EventType, Int64, [UInt8])] = []
            try reader.forEachEvent(fromMicros: from, toMicros: to) { single.append(($0.type, $0.timeMicros, Array($0.body))) }
            var runs: [RecordingReader.EventRun] = []
            var fromRuns: [(EventType, [UInt8])] = []
            try reader.forEachRun(fromMicros: from, toMicros: to) { run in
                runs.append(run)
                fromRuns.append((run.type, Array(run.bodies)))
            }
            #expect(!single.isEmpty)
            #expect(runs.reduce(0) { $0 + $1.count } == single.count, "\(from)…\(to)")
            #expect(runs.first?.firstMicros == single.first?.1 && runs.last?.lastMicros == single.last?.1)
            // Same bytes per type, in order.
            for type in [EventType.output, .input] {
                #expect(fromRuns.filter { $0.0 == type }.flatMap(\.1) == single.filter { $0.0 == type }.flatMap(\.2))
            }
            if layout == .interleaved { #expect(runs.count == single.count) }
        }
        if layout == .columnar {
            // The output-only chunk is one run of 500 events; keystroke runs are merged too.
            var counts: [Int] = []
            try reader.forEachRun { counts.append($0.count) }
            #expect(counts.last == 500)
            #expect(counts.count < 3_500 / 2)
        }
    }

    // MARK: malformed columnar payloads

    static func header(count: Int, start: Int64 = 100, end: Int64 = 130, flags: UInt16 = ChunkHeader.columnarEvents, length: Int) -> ChunkHeader {
        ChunkHeader(type: .events, codec: .none, sequence: 1, storedLength: length, decodedLength: length,
                    itemCount: count, startMicros: start, endMicros: end, payloadCRC: 0, flags: flags)
    }

    /// Walks `payload` as a columnar chunk; returns how many events were visited and the error.
    static func walk(_ payload: [UInt8], count: Int, start: Int64 = 100, end: Int64 = 130) -> (visited: Int, error: FormatError?) {
        var visited = 0
        do {
            try payload.withUnsafeBytes { raw in
                try EventsPayload.forEach(in: raw, header: header(count: count, start: start, end: end, length: payload.count), offset: 0) { _ in visited += 1 }
            }
            return (visited, nil)
        } catch {
            return (visited, error as? FormatError)
        }
    }

    @Test func aWellFormedPayloadDecodes() {
        // Types 01 02 01, deltas 0 10 20, lengths 2 1 0, bodies "hi" "x".
        let good: [UInt8] = [1, 2, 1, 0, 10, 20, 2, 1, 0] + Array("hix".utf8)
        #expect(Self.walk(good, count: 3).visited == 3)
        #expect(Self.walk(good, count: 3).error == nil)
        var events: [(EventType, Int64, [UInt8])] = []
        try? good.withUnsafeBytes { raw in
            try EventsPayload.forEach(in: raw, header: Self.header(count: 3, length: good.count), offset: 0) { events.append(($0.type, $0.timeMicros, Array($0.body))) }
        }
        #expect(events.map(\.0) == [.output, .input, .output])
        #expect(events.map(\.1) == [100, 110, 130])
        #expect(events.map(\.2) == [Array("hi".utf8), Array("x".utf8), []])
    }

    @Test(arguments: [
        ("more events than bytes", [1, 0, 0] as [UInt8], 4, FormatError.Code.malformedPayload),
        ("a delta past the chunk end", [1, 1, 0, 31, 0, 0], 2, .badTimestamp),
        ("the last event before the chunk end", [1, 1, 0, 29, 0, 0], 2, .badTimestamp),
        ("lengths adding up to less than the bodies", [1, 1, 0, 30, 1, 0, 0x41, 0x42], 2, .malformedPayload),
        ("lengths adding up to more than the bodies", [1, 1, 0, 30, 1, 2, 0x41, 0x42], 2, .malformedPayload),
        ("a length varint cut short", [1, 1, 0, 30, 1, 0x80], 2, .malformedPayload),
        ("a huge length", [1, 30, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], 1, .malformedPayload),
        ("no events but bytes", [1, 0, 0], 0, .malformedPayload),
    ] as [(String, [UInt8], Int, FormatError.Code)])
    func aMalformedPayloadIsRejectedBeforeAnyEventIsVisited(_ what: String, _ payload: [UInt8], _ count: Int, _ code: FormatError.Code) {
        let (visited, error) = Self.walk(payload, count: count)
        #expect(error?.code == code, "\(what)")
        #expect(visited == 0, "\(what)")
    }

    @Test func theSamePayloadIsReadAsInterleavedWithoutTheFlag() throws {
        // With flag bit 0 clear, the columnar bytes of two events are not a valid event list.
        let columnar: [UInt8] = [1, 1, 0, 30, 1, 1, 0x41, 0x42]
        let header = Self.header(count: 2, flags: 0, length: columnar.count)
        #expect(throws: FormatError.self) {
            try columnar.withUnsafeBytes { raw in try EventsPayload.forEach(in: raw, header: header, offset: 0) { _ in } }
        }
    }

    // MARK: flags and frames

    static func encodedHeader(type: ChunkType, flags: UInt16) -> [UInt8] {
        var w = ByteWriter()
        ChunkHeader(type: type, codec: .none, sequence: 1, storedLength: 0, decodedLength: 0, itemCount: 0,
                    startMicros: 0, endMicros: 0, payloadCRC: 0, flags: flags).encode(into: &w, salt: 42)
        return w.bytes
    }

    @Test func onlyTheColumnarBitOfEventsChunksIsKnown() throws {
        func decode(_ type: ChunkType, _ flags: UInt16) throws(FormatError) -> ChunkHeader {
            try Self.encodedHeader(type: type, flags: flags).withBytes { (raw) throws(FormatError) in try ChunkHeader.decode(raw, salt: 42, offset: 0) }
        }
        #expect(try decode(.events, 1).isColumnar)
        #expect(try !decode(.events, 0).isColumnar)
        #expect(throws: FormatError(.unsupportedChunk, "")) { try decode(.events, 2) }
        #expect(throws: FormatError(.unsupportedChunk, "")) { try decode(.events, 0x8001) }
        #expect(throws: FormatError(.unsupportedChunk, "")) { try decode(.metadata, 1) }
        #expect(try decode(.index, 0xFFFF).flags == 0xFFFF, "ancillary chunks' flags are ignored")
        #expect(try !decode(.index, 1).isColumnar)
    }

    static func frame(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try Compressor().compress($0, codec: .zstd, level: 3) }
    }

    static func decompress(_ stored: [UInt8], _ length: Int, _ frames: Compressor.ZstdFrames) throws -> [UInt8] {
        try stored.withUnsafeBytes { try Compressor().decompress($0, codec: .zstd, decodedLength: length, frames: frames) }
    }

    @Test func severalFramesAreAcceptedOnlyWhereAllowed() throws {
        let a = Array("first section ".utf8), b = Array("second section".utf8)
        let two = try Self.frame(a) + Self.frame(b)
        #expect(try Self.decompress(two, a.count + b.count, .several) == a + b)
        #expect(throws: FormatError.self) { try Self.decompress(two, a.count + b.count, .one) }
        // Sizes that do not add up, before anything is allocated, and after.
        #expect(throws: FormatError.self) { try Self.decompress(two, a.count + b.count + 1, .several) }
        #expect(throws: FormatError.self) { try Self.decompress(two, a.count, .several) }
        // A skippable frame, trailing bytes, a cut frame, no frame at all.
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 2, 0, 0, 0, 9, 9]
        #expect(throws: FormatError.self) { try Self.decompress(two + skippable, a.count + b.count, .several) }
        #expect(throws: FormatError.self) { try Self.decompress(two + [0], a.count + b.count, .several) }
        #expect(throws: FormatError.self) { try Self.decompress(Array(two.dropLast()), a.count + b.count, .several) }
        #expect(throws: FormatError.self) { try Self.decompress([], 0, .several) }
    }

    @Test func aDamagedColumnarChunkIsSkippedAndTheRestPlays() throws {
        let events = Self.typing(600)
        var options = Self.options(.zstd, .columnar)
        options.chunkIntervalMicros = 10_000_000
        var surgery = try FileSurgery(try Sample.file(events, options: options))
        let eventChunks = surgery.chunks.indices.filter { surgery.chunks[$0].header.type == .events }
        #expect(eventChunks.count >= 4)
        // Decode the second EVENTS chunk, make its lengths add up to one byte too many, and
        // store it uncompressed with fresh checksums: only the event framing is wrong.
        let victim = eventChunks[1]
        var chunk = surgery.chunks[victim]
        var payload = try Self.decompress(chunk.stored, chunk.header.decodedLength, .several)
        let n = chunk.header.itemCount
        var r = ByteReader(payload.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[n...]) }, context: "test")
        for _ in 0..<n { _ = try r.readUVarint() }
        payload[n + r.position] &+= 1  // the first length: one more (each length is small)
        chunk.header.codec = .none
        chunk.header.decodedLength = payload.count
        chunk.stored = payload
        surgery.chunks[victim] = chunk
        let bytes = surgery.assemble(resequence: false, freshTrailer: false, keepTrailer: false)
        // Without a trailer (the chunk grew, so the index no longer fits): opened by scanning.
        let reader = try RecordingReader(source: MemorySource(bytes))
        let played = Array(reader.events())
        #expect(played.count == events.count - n)
        #expect(played.allSatisfy { e in events.contains(e) })
        #expect(reader.status == .corrupt)
        #expect(reader.damage.contains { $0.error.code == .malformedPayload })
        #expect(Validator.verify(MemorySource(bytes)).status == .corrupt)
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
