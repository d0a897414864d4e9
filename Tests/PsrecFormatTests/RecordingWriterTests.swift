import Foundation
import Testing
@testable import PsrecFormat

@Suite struct RecordingWriterTests {
    @Test(arguments: Codec.allCases)
    func everyEventTypeRoundTripsWithEveryCodec(codec: Codec) throws {
        let bytes = try Sample.file(Sample.everyEvent, options: Sample.options(codec))
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.status == .complete)
        #expect(reader.metadata == Sample.metadata())
        #expect(Array(reader.events()) == Sample.everyEvent)
        #expect(reader.damage.isEmpty)
    }

    @Test func indicatorsCloseTheirChunkAndAreIndexed() throws {
        let bytes = try Sample.file(Sample.everyEvent)
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.indicators.map(\.kind) == [.command, .click, .marker])
        #expect(reader.indicators.map(\.detail) == ["ls", "10,5,1", "checkpoint ✓"])
        for indicator in reader.indicators {
            let entry = try #require(reader.entries.first { $0.offset == indicator.chunkOffset })
            // Each indicator is the last event of its chunk: the writer closed the chunk after it.
            #expect(entry.endMicros == indicator.timeMicros)
        }
    }

    @Test func chunksCloseAtTheIntervalAndTheSizeBound() throws {
        var options = Sample.options()
        options.maxChunkBytes = 4096
        let events = (0..<100).map { TimedEvent(timeMicros: Int64($0) * 250_000, event: .output(Array(repeating: UInt8(65 + $0 % 26), count: 10))) }
        let reader = try RecordingReader(source: MemorySource(try Sample.file(events, options: options)))
        // 100 events 250 ms apart span 24.75 s: a chunk per second of session time.
        #expect(reader.entries.count == 25)
        #expect(reader.entries.allSatisfy { $0.endMicros - $0.startMicros < 1_000_000 })
        let big = [TimedEvent(timeMicros: 0, event: .output(Array(repeating: 1, count: 20_000)))]
        let bigReader = try RecordingReader(source: MemorySource(try Sample.file(big, options: options)))
        #expect(bigReader.entries.count == 5)  // split at 4096-byte pieces
        #expect(try Sample.output(of: bigReader) == Array(repeating: 1, count: 20_000))
    }

    @Test func flushIfDueClosesAChunkAfterTheInterval() throws {
        let sink = MemorySink()
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: Sample.options())
        try writer.output([1], atMicros: 0)
        try writer.flushIfDue(nowMicros: 500_000)
        let before = sink.length
        try writer.flushIfDue(nowMicros: 1_000_000)
        #expect(sink.length > before)
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        #expect(reader.status == .truncated)
        #expect(try Sample.output(of: reader) == [1])
    }

    @Test("appendOutput from a buffer writes the same file as append(.output), large outputs split alike")
    func appendOutputFromABuffer() throws {
        var options = Sample.options()
        options.maxChunkBytes = 4096
        let events = Sample.longSession(seconds: 20) + [
            TimedEvent(timeMicros: 20_000_000, event: .output(Array(repeating: 7, count: 10_000))),
            TimedEvent(timeMicros: 20_500_000, event: .output([])),
            TimedEvent(timeMicros: 21_000_000, event: .command("after")),
        ]
        let expected = try Sample.file(events, options: options)
        let sink = MemorySink()
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: options)
        for e in events {
            if case .output(let bytes) = e.event {
                try bytes.withUnsafeBytes { try writer.appendOutput($0, atMicros: e.timeMicros) }
            } else {
                try writer.append(e.event, atMicros: e.timeMicros)
            }
        }
        try writer.close()
        #expect(sink.bytes == expected)
        #expect(throws: FormatError(.misuse, "")) { try [UInt8]([1]).withUnsafeBytes { try writer.appendOutput($0, atMicros: 22_000_000) } }
        let early = try RecordingWriter(sink: MemorySink(), metadata: Sample.metadata(), options: options)
        try early.output([1], atMicros: 10)
        #expect(throws: FormatError(.misuse, "")) { try [UInt8]([2]).withUnsafeBytes { try early.appendOutput($0, atMicros: 9) } }
    }

    @Test func timeGoingBackwardsIsAMisuseError() throws {
        let writer = try RecordingWriter(sink: MemorySink(), metadata: Sample.metadata(), options: Sample.options())
        try writer.output([1], atMicros: 10)
        #expect(throws: FormatError(.misuse, "")) { try writer.output([2], atMicros: 9) }
    }

    @Test func aFullDiskCutsBackToTheLastChunkAndReportsIt() throws {
        let full = try Sample.file(Sample.longSession(seconds: 30), options: Sample.options(.none))
        let sink = MemorySink(capacity: full.count / 2)
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: Sample.options(.none))
        let error = try #require(Sample.appendAndClose(Sample.longSession(seconds: 30), to: writer).failure)
        #expect(error.code == .io)
        #expect(error.message.contains("cut back"))
        #expect(throws: FormatError.self) { try writer.output([1], atMicros: 999_000_000) }
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        #expect(reader.status == .truncated)
        #expect(reader.truncation?.tailBytes == 0)
        #expect(Sample.output(of: Sample.longSession(seconds: 30)).starts(with: try Sample.output(of: reader)))
    }

    @Test func partialIndexesAreWrittenPeriodicallyAndChained() throws {
        var options = Sample.options()
        options.indexEveryChunks = 4
        let bytes = try Sample.file(Sample.longSession(seconds: 20), options: options)
        let scanned = try RecordingReader(source: MemorySource(bytes), scan: true)
        #expect(scanned.status == .complete)
        #expect(scanned.indexChunksRead == 1 + scanned.entries.count / 4)
        let fast = try RecordingReader(source: MemorySource(bytes))
        #expect(fast.entries == scanned.entries)
        #expect(fast.indicators == scanned.indicators)
    }

    @Test func aFileIsReadableWhileItsWriterIsStillOpen() throws {
        let dir = Sample.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("live.psrec").path
        let writer = try RecordingWriter(path: path, metadata: Sample.metadata(), options: Sample.options())
        var expected: [UInt8] = []
        for second in 0..<5 {
            let bytes = Array("second \(second)\r\n".utf8)
            try writer.output(bytes, atMicros: Int64(second) * 1_000_000)
            try writer.flush()
            expected += bytes
            let reader = try RecordingReader(path: path)
            #expect(reader.status == .truncated)
            #expect(try Sample.output(of: reader) == expected)
        }
        try writer.close()
        #expect(try RecordingReader(path: path).status == .complete)
        #expect(throws: FormatError.self) { _ = try RecordingWriter(path: path, metadata: Sample.metadata()) }
    }

    @Test func invalidOptionsAreRejected() {
        var options = WriterOptions(codec: .zstd, level: 99)
        #expect(throws: FormatError(.misuse, "")) { _ = try RecordingWriter(sink: MemorySink(), metadata: Sample.metadata(), options: options) }
        options = WriterOptions()
        options.maxChunkBytes = 10
        #expect(throws: FormatError(.misuse, "")) { _ = try RecordingWriter(sink: MemorySink(), metadata: Sample.metadata(), options: options) }
    }
}
