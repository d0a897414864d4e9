import Foundation
import Testing
@testable import PsrecFormat

/// `forEachEvent` and the validator read chunks ahead on other threads (`ReadAhead`);
/// what they yield must not depend on it.
@Suite struct ReadAheadTests {
    @Test("Values come in index order, never more than the depth ahead of the consumer", arguments: [1, 2, 3])
    func orderAndDepth(workers: Int) {
        let lock = NSLock()
        nonisolated(unsafe) var produced = 0, taken = 0, mostAhead = 0
        let ahead = ReadAhead(5..<205, workers: workers, depth: 3, name: "test") {
            { i in
                lock.lock(); produced += 1; mostAhead = max(mostAhead, produced - taken); lock.unlock()
                return i * i
            }
        }
        var values: [Int] = []
        for i in 5..<205 {
            values.append(ahead.take(i))
            lock.lock(); taken += 1; lock.unlock()
        }
        ahead.stop()
        #expect(values == (5..<205).map { $0 * $0 })
        // Counted after `take` returns: the value just taken is still counted as ahead.
        #expect(mostAhead <= 3 + 1)
    }

    @Test("stop() ends the workers though values were left untaken")
    func stopWithValuesLeft() {
        let ahead = ReadAhead(0..<1_000, workers: 2, depth: 3, name: "test") { { $0 } }
        #expect(ahead.take(0) == 0)
        ahead.stop()
    }

    /// Wraps a source: says whether it allows concurrent reads, and notes the offsets read
    /// on the caller's thread and on others.
    final class Probe: ByteSource, @unchecked Sendable {
        let inner: MemorySource
        let concurrent: Bool
        private let lock = NSLock()
        private(set) var readOnCaller = Set<Int64>()
        private(set) var readElsewhere = Set<Int64>()
        let caller = pthread_self()

        init(_ bytes: [UInt8], concurrent: Bool) {
            inner = MemorySource(bytes)
            self.concurrent = concurrent
        }

        var size: Int64 { inner.size }
        var concurrentReads: Bool { concurrent }

        func read(at offset: Int64, count: Int) throws(FormatError) -> [UInt8] {
            lock.lock()
            if pthread_equal(pthread_self(), caller) != 0 { readOnCaller.insert(offset) } else { readElsewhere.insert(offset) }
            lock.unlock()
            return try inner.read(at: offset, count: count)
        }
    }

    struct Seen: Equatable {
        var type: UInt8
        var time: Int64
        var body: [UInt8]
    }

    static func events(_ reader: RecordingReader, from: Int64 = 0, to: Int64 = .max) throws -> [Seen] {
        var seen: [Seen] = []
        try reader.forEachEvent(fromMicros: from, toMicros: to) { seen.append(Seen(type: $0.type.rawValue, time: $0.timeMicros, body: Array($0.body))) }
        return seen
    }

    /// A 60-second session in 1-second chunks, with one payload byte flipped in chunk `damaged`.
    static func file(damaged: Int?) throws -> [UInt8] {
        var options = Sample.options()
        options.chunkIntervalMicros = 1_000_000
        var bytes = try Sample.file(Sample.longSession(seconds: 60), options: options)
        if let damaged {
            let reader = try RecordingReader(source: MemorySource(bytes))
            let entry = reader.entries[damaged]
            bytes[Int(entry.offset) + ChunkHeader.size + 3] ^= 0x40
        }
        return bytes
    }

    @Test("Read ahead on other threads yields the same events and damage as reading in turn", arguments: [nil, 0, 17, 59])
    func sameAsSequential(damaged: Int?) throws {
        let bytes = try Self.file(damaged: damaged)
        let ahead = Probe(bytes, concurrent: true)
        let inTurn = Probe(bytes, concurrent: false)
        let a = try RecordingReader(source: ahead)
        let b = try RecordingReader(source: inTurn)
        #expect(a.entries.count >= 50)
        let eventsAhead = try Self.events(a)
        let eventsInTurn = try Self.events(b)
        #expect(eventsAhead == eventsInTurn)
        #expect(eventsAhead.count > 500)
        #expect(a.damage.map(\.offset) == b.damage.map(\.offset))
        #expect(a.damage.count == (damaged == nil ? 0 : 1))
        #expect(a.chunkReads == b.chunkReads)
        // Every payload was read on a read-ahead thread, none on the caller's.
        let payloads = Set(a.entries.map { $0.offset + Int64(ChunkHeader.size) })
        #expect(payloads.isSubset(of: ahead.readElsewhere))
        #expect(payloads.isDisjoint(with: ahead.readOnCaller))
        #expect(inTurn.readElsewhere.isEmpty)
        #expect(payloads.isSubset(of: inTurn.readOnCaller))
        // A time range in the middle: the same either way.
        #expect(try Self.events(a, from: 20_000_000, to: 35_000_000) == Self.events(b, from: 20_000_000, to: 35_000_000))
    }

    @Test("The validator gives the same verdict with and without read-ahead", arguments: [nil, 30])
    func validatorSame(damaged: Int?) throws {
        let bytes = try Self.file(damaged: damaged)
        let ahead = Validator.verify(Probe(bytes, concurrent: true))
        let inTurn = Validator.verify(Probe(bytes, concurrent: false))
        #expect(ahead.status == (damaged == nil ? .complete : .corrupt))
        #expect(ahead.status == inTurn.status)
        #expect(ahead.events == inTurn.events)
        #expect(ahead.indicators == inTurn.indicators)
        #expect(ahead.problems.map(\.message) == inTurn.problems.map(\.message))
    }

    @Test("A visitor that stops early stops the read-ahead threads; the reader reads again afterwards")
    func stopEarly() throws {
        struct Enough: Error {}
        let reader = try RecordingReader(source: Probe(try Self.file(damaged: nil), concurrent: true))
        for stopAfter in [0, 1, 25, 300] {
            var seen = 0
            #expect(throws: Enough.self) {
                try reader.forEachEvent { _ in
                    if seen == stopAfter { throw Enough() }
                    seen += 1
                }
            }
            #expect(seen == stopAfter)
        }
        #expect(try Self.events(reader).count > 500)
    }
}
