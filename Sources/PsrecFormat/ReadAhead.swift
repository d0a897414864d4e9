import Foundation

/// Produces the values for a range of indices on worker threads, a few ahead of one
/// consumer that takes them in index order.
///
/// `RecordingReader.forEachChunk` reads and decompresses EVENTS chunks with it (two
/// workers, each with its own `Compressor`): while the caller frames and visits chunk *n*,
/// chunks *n + 1* and *n + 2* are read, so on two cores a `psrec cat` costs about the larger
/// of decompression (halved) and framing instead of their sum. `psrec import` verifies the
/// next file with it while the catalog stores the current one. At most `depth` values are
/// being produced or waiting at a time, so memory stays bounded.
package final class ReadAhead<Value>: @unchecked Sendable {
    private let end: Int
    private let depth: Int
    private let makeProducer: () -> (Int) -> Value
    // Guarded by `condition`:
    private let condition = NSCondition()
    private var ready: [Int: Value] = [:]
    private var nextToProduce: Int
    private var nextToTake: Int
    private var stopping = false
    private var running = 0

    /// Starts the workers.
    /// - Parameters:
    ///   - range: the indices, taken in order.
    ///   - workers: threads producing values.
    ///   - depth: values produced or waiting, at most, beyond those taken.
    ///   - name: the threads' name.
    ///   - makeProducer: called once on each worker thread; returns what produces the value
    ///     of an index there (so per-thread state, such as a `Compressor`, lives in it).
    package init(_ range: Range<Int>, workers: Int, depth: Int, name: String, makeProducer: @escaping () -> (Int) -> Value) {
        end = range.upperBound
        self.depth = depth
        self.makeProducer = makeProducer
        nextToProduce = range.lowerBound
        nextToTake = range.lowerBound
        running = min(workers, range.count)
        for _ in 0..<running {
            let thread = Thread { [self] in work() }
            thread.name = name
            thread.start()
        }
    }

    /// The value of `index`, waiting for it if needed. Indices must be taken in order.
    package func take(_ index: Int) -> Value {
        condition.lock()
        defer { condition.unlock() }
        precondition(index == nextToTake, "values are taken in order")
        while ready[index] == nil { condition.wait() }
        nextToTake = index + 1
        condition.broadcast()
        return ready.removeValue(forKey: index)!
    }

    /// Stops producing and waits for the threads to end; call once, when done.
    package func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        let produce = makeProducer()
        while true {
            condition.lock()
            while !stopping && nextToProduce < end && nextToProduce - nextToTake >= depth { condition.wait() }
            guard !stopping, nextToProduce < end else {
                running -= 1
                condition.broadcast()
                condition.unlock()
                return
            }
            let index = nextToProduce
            nextToProduce += 1
            condition.unlock()
            let value = produce(index)
            condition.lock()
            ready[index] = value
            condition.broadcast()
            condition.unlock()
        }
    }
}
