import Foundation
import Testing
@testable import PsrecFormat

/// `WriterOptions.writeInBackground`: chunks compressed and written on a second thread.
@Suite struct BackgroundWriterTests {
    static func options(_ codec: Codec = .zstd, background: Bool) -> WriterOptions {
        var o = Sample.options(codec)
        o.writeInBackground = background
        o.indexEveryChunks = 8
        return o
    }

    /// A sink that notes which threads append to it.
    final class ThreadNotingSink: ChunkSink, @unchecked Sendable {
        let inner = MemorySink()
        let caller = pthread_self()
        private let lock = NSLock()
        private(set) var appendsElsewhere = 0
        var length: Int64 { inner.length }
        func append(_ bytes: [UInt8]) throws(FormatError) {
            lock.lock()
            if pthread_equal(pthread_self(), caller) == 0 { appendsElsewhere += 1 }
            lock.unlock()
            try inner.append(bytes)
        }
        func sync() throws(FormatError) {}
        func close() throws(FormatError) {}
    }

    @Test("The file is byte for byte the one written without the threads, with one to four of them",
          arguments: Codec.allCases, [1, 2, 4])
    func sameBytes(codec: Codec, threads: Int) throws {
        let events = Sample.longSession(seconds: 90) + Sample.everyEvent.map { TimedEvent(timeMicros: $0.timeMicros + 90_000_000, event: $0.event) }
        let inTurn = try Sample.file(events, options: Self.options(codec, background: false))
        let sink = ThreadNotingSink()
        var options = Self.options(codec, background: true)
        options.backgroundThreads = threads
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: options)
        for e in events { try writer.append(e.event, atMicros: e.timeMicros) }
        try writer.close()
        #expect(sink.inner.bytes == inTurn)
        // The EVENTS chunks went through the writer thread.
        #expect(sink.appendsElsewhere >= 90)
        let reader = try RecordingReader(source: MemorySource(sink.inner.bytes), scan: true)
        #expect(reader.status == .complete)
        #expect(reader.indexChunksRead > 2)
    }

    @Test("Counters and a live reader see every chunk closed so far")
    func countersWaitForTheChunkInFlight() throws {
        let sink = MemorySink()
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: Self.options(background: true))
        for second in 0..<5 {
            try writer.output(Array("second \(second)\r\n".utf8), atMicros: Int64(second) * 1_000_000)
            try writer.flush()
            #expect(writer.chunksWritten == 2 + second)  // metadata + one EVENTS chunk per second
            #expect(writer.bytesWritten == sink.length)
            let reader = try RecordingReader(source: MemorySource(sink.bytes))
            #expect(reader.entries.count == second + 1)
        }
        try writer.close()
        #expect(try RecordingReader(source: MemorySource(sink.bytes)).status == .complete)
    }

    @Test("A write error on the thread is thrown by a later call; the file is cut back to its last chunk")
    func fullDisk() throws {
        let events = Sample.longSession(seconds: 30)
        let full = try Sample.file(events, options: Sample.options(.none))
        let sink = MemorySink(capacity: full.count / 2)
        var options = Self.options(.none, background: true)
        options.indexEveryChunks = 64
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: options)
        let (appended, failure) = Sample.appendAndClose(events, to: writer)
        let error = try #require(failure)
        #expect(error.code == .io)
        #expect(error.message.contains("cut back"))
        #expect(appended < events.count)
        // Refused from then on, with the same error.
        #expect(throws: error) { try writer.output([1], atMicros: 999_000_000) }
        #expect(throws: error) { try writer.close() }
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        #expect(reader.status == .truncated)
        #expect(reader.truncation?.tailBytes == 0)
        #expect(Sample.output(of: events).starts(with: try Sample.output(of: reader)))
    }

    /// A sink whose `failing`-th append fails (and is cut back), while the others succeed.
    final class FlakySink: ChunkSink, @unchecked Sendable {
        let inner = MemorySink()
        let failing: Int
        private(set) var appends = 0
        init(failing: Int) { self.failing = failing }
        var length: Int64 { inner.length }
        func append(_ bytes: [UInt8]) throws(FormatError) {
            appends += 1
            if appends == failing { throw FormatError(.io, "Writing failed (injected); the file was cut back to its last complete chunk") }
            try inner.append(bytes)
        }
        func sync() throws(FormatError) {}
        func close() throws(FormatError) {}
    }

    @Test("After a chunk fails to write, no later chunk is written, even one already compressed")
    func nothingAfterAFailure() throws {
        let events = Sample.longSession(seconds: 60)
        for failing in [3, 6, 10] {
            let sink = FlakySink(failing: failing)
            let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: Self.options(.zstd, background: true))
            let (_, failure) = Sample.appendAndClose(events, to: writer)
            #expect(failure?.message.contains("injected") == true)
            // Appends after the failed one would have succeeded: none was attempted.
            #expect(sink.appends == failing, "appends after the failure at \(failing)")
            let reader = try RecordingReader(source: MemorySource(sink.inner.bytes))
            #expect(reader.status == .truncated)
            #expect(reader.damage.isEmpty)
            #expect(Sample.output(of: events).starts(with: try Sample.output(of: reader)))
        }
    }

    @Test func theNumberOfThreadsIsChecked() {
        for threads in [0, 9] {
            var options = Self.options(background: true)
            options.backgroundThreads = threads
            #expect(throws: FormatError.self) { _ = try RecordingWriter(sink: MemorySink(), metadata: Sample.metadata(), options: options) }
        }
    }

    @Test("Jobs are prepared on two threads at once and committed in the order submitted")
    func preparesOverlapCommitsInOrder() {
        let pipeline = ChunkWriterThread(workers: 2)
        let bothStarted = DispatchGroup()
        bothStarted.enter(); bothStarted.enter()
        let lock = NSLock()
        nonisolated(unsafe) var committed: [Int] = []
        nonisolated(unsafe) var overlapped = [false, false]
        for i in 0..<2 {
            pipeline.submit { _ in
                bothStarted.leave()
                // Only returns early if the other job's prepare part runs at the same time.
                let together = bothStarted.wait(timeout: .now() + 10) == .success
                lock.lock(); overlapped[i] = together; lock.unlock()
                if i == 0 { Thread.sleep(forTimeInterval: 0.05) }  // the first finishes last
                return { lock.lock(); committed.append(i); lock.unlock() }
            }
        }
        pipeline.drain()
        pipeline.stop()
        #expect(overlapped == [true, true])
        #expect(committed == [0, 1])
    }

    @Test("At most two chunks more than the threads are in flight: the next submit waits")
    func depthIsBounded() {
        let pipeline = ChunkWriterThread(workers: 2)
        #expect(pipeline.depth == 4)
        let release = DispatchSemaphore(value: 0)
        for _ in 0..<4 {
            pipeline.submit { _ in
                release.wait()
                return {}
            }
        }
        let fifthSubmitted = DispatchSemaphore(value: 0)
        Thread {
            pipeline.submit { _ in { } }
            fifthSubmitted.signal()
        }.start()
        #expect(fifthSubmitted.wait(timeout: .now() + 0.3) == .timedOut, "a fifth job was taken while four were in flight")
        for _ in 0..<4 { release.signal() }
        #expect(fifthSubmitted.wait(timeout: .now() + 10) == .success)
        pipeline.drain()
        pipeline.stop()
    }

    @Test("A writer dropped without close ends its thread and leaves a truncated file")
    func droppedWriter() throws {
        let sink = MemorySink()
        do {
            let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: Self.options(background: true))
            for e in Sample.longSession(seconds: 10) { try writer.append(e.event, atMicros: e.timeMicros) }
            try writer.flush()
        }
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        #expect(reader.status == .truncated)
        #expect(try Sample.output(of: reader) == Sample.output(of: Sample.longSession(seconds: 10)))
    }
}
