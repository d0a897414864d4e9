import Foundation

/// Reads, checks and decompresses a run of EVENTS chunks on other threads, a few chunks
/// ahead of the thread that walks their events.
///
/// `RecordingReader.forEachEvent` uses it when a range spans more than one chunk and the
/// source can be read from two threads at once (`ByteSource.concurrentReads`): while the
/// caller frames and visits chunk *n*, chunks *n + 1* and *n + 2* are read and decompressed
/// by two workers, so on two cores a `psrec cat` costs about the larger of decompression
/// (halved) and framing instead of their sum. Results are handed over in index order; at
/// most `depth` chunks are read or waiting at a time, so memory stays bounded by a few
/// decoded chunks.
final class ChunkReadAhead: @unchecked Sendable {
    typealias Decoded = Result<(ChunkHeader, [UInt8]), FormatError>

    /// Chunks being read or waiting for the consumer, at most.
    static let depth = 3
    /// Reading threads.
    static let workers = 2

    private let source: any ByteSource
    private let salt: UInt64
    private let entries: [SeekEntry]
    private let end: Int
    // Guarded by `condition`:
    private let condition = NSCondition()
    private var ready: [Int: Decoded] = [:]
    private var nextToRead: Int
    private var nextToTake: Int
    private var stopping = false
    private var running = 0

    /// Starts the reading thread for `entries[first..<end]`.
    init(source: any ByteSource, salt: UInt64, entries: [SeekEntry], first: Int, end: Int) {
        self.source = source
        self.salt = salt
        self.entries = entries
        self.end = end
        nextToRead = first
        nextToTake = first
        running = min(Self.workers, end - first)
        for _ in 0..<running {
            let thread = Thread { [self] in work() }
            thread.name = "psrec read-ahead"
            thread.start()
        }
    }

    /// The chunk at `index`, waiting for it if needed. Indices must be taken in order.
    func take(_ index: Int) -> Decoded {
        condition.lock()
        defer { condition.unlock() }
        precondition(index == nextToTake, "chunks are taken in order")
        while ready[index] == nil { condition.wait() }
        nextToTake = index + 1
        condition.broadcast()
        return ready.removeValue(forKey: index)!
    }

    /// Stops reading and waits for the threads to end; call once, when done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        let compressor = Compressor()
        while true {
            condition.lock()
            while !stopping && nextToRead < end && nextToRead - nextToTake >= Self.depth { condition.wait() }
            guard !stopping, nextToRead < end else {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let index = nextToRead
            nextToRead += 1
            condition.unlock()
            let decoded = Decoded { () throws(FormatError) in
                try RecordingReader.readEvents(entries[index], source: source, salt: salt, compressor: compressor)
            }
            condition.lock()
            ready[index] = decoded
            condition.broadcast()
            condition.unlock()
        }
    }
}
