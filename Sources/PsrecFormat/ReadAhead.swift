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
    private let work: OrderedWork<(Int) -> Value, Value>
    /// Used by the consumer only.
    private var nextToSubmit: Int
    private var nextToTake: Int

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
        nextToSubmit = range.lowerBound
        nextToTake = range.lowerBound
        work = OrderedWork(workers: min(workers, max(1, range.count)), depth: max(1, depth), name: name, makeState: makeProducer)
        while nextToSubmit < end && nextToSubmit - nextToTake < work.depth { submitNext() }
    }

    private func submitNext() {
        let index = nextToSubmit
        nextToSubmit += 1
        work.submit { produce in produce(index) }
    }

    /// The value of `index`, waiting for it if needed. Indices must be taken in order.
    package func take(_ index: Int) -> Value {
        precondition(index == nextToTake, "values are taken in order")
        let value = work.next()
        nextToTake = index + 1
        if nextToSubmit < end { submitNext() }
        return value
    }

    /// Stops producing and waits for the threads to end; call once, when done.
    package func stop() { work.stop() }
}
