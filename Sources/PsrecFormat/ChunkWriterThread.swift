import Foundation
import Synchronization

/// The background threads of a `RecordingWriter` with `WriterOptions.writeInBackground`.
///
/// Each job has two parts: a **prepare** part (compression) that runs on any of the worker
/// threads, several chunks at once, each thread with its own `Compressor`; and the
/// **commit** part it returns (checksum, sequence number, write, index, sync), which runs in
/// the order the jobs were submitted, one at a time. So on two cores the compression of
/// consecutive chunks overlaps, while the file is byte for byte what one thread would write.
///
/// At most `depth` jobs are in flight: `submit` first waits for room. The writer touches
/// the state the commits use (sink, sequence, indexes) only after `drain()`. The first
/// error is kept and handed to the writer by `takeError()`; after it, later jobs are not
/// committed, so nothing is written after a chunk that failed.
final class ChunkWriterThread: @unchecked Sendable {
    /// A job's prepare part: runs on a worker with that worker's compressor and returns the
    /// commit part.
    typealias Job = (Compressor) throws(FormatError) -> (() throws(FormatError) -> Void)

    /// Worker threads.
    let workers: Int
    /// Jobs in flight (queued, compressing or waiting to commit) at most: two more than the
    /// workers, so that the caller rarely waits for a slow chunk while a worker is idle.
    var depth: Int { workers + 2 }
    // Guarded by `condition`:
    private let condition = NSCondition()
    private var queue: [(ticket: Int, job: Job)] = []
    private var nextTicket = 0
    private var nextCommit = 0
    private var inFlight = 0
    private var error: FormatError?
    /// Set at the first failure and never cleared: no job is prepared or committed after it.
    private var poisoned = false
    /// Set with `error`, read without the lock: `takeError` runs on every append.
    private let failed = Atomic<Bool>(false)
    private var stopping = false
    private var running: Int

    init(workers: Int = 2) {
        self.workers = max(1, workers)
        running = self.workers
        for _ in 0..<self.workers {
            let thread = Thread { [self] in loop() }
            thread.name = "psrec writer"
            thread.start()
        }
    }

    /// Queues a job once fewer than `depth` are in flight.
    func submit(_ job: @escaping Job) {
        condition.lock()
        while inFlight >= depth { condition.wait() }
        queue.append((nextTicket, job))
        nextTicket += 1
        inFlight += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until no job is in flight.
    func drain() {
        condition.lock()
        while inFlight > 0 { condition.wait() }
        condition.unlock()
    }

    /// The error of a job that failed, once.
    func takeError() -> FormatError? {
        guard failed.load(ordering: .acquiring) else { return nil }
        condition.lock()
        defer { condition.unlock() }
        let e = error
        error = nil
        failed.store(false, ordering: .releasing)
        return e
    }

    /// Waits for the jobs in flight, then ends the threads.
    func stop() {
        condition.lock()
        while inFlight > 0 { condition.wait() }
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        let compressor = Compressor()
        condition.lock()
        while true {
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty { break }
            let (ticket, job) = queue.removeFirst()
            let skip = poisoned
            condition.unlock()
            var failure: FormatError?
            var commit: (() throws(FormatError) -> Void)?
            if !skip {
                do { commit = try job(compressor) } catch { failure = error }
            }
            condition.lock()
            while nextCommit != ticket { condition.wait() }
            // Nothing is committed after a failure (kept until the writer takes it, and the
            // writer refuses every call after that).
            if failure == nil, !poisoned, let commit {
                condition.unlock()
                do { try commit() } catch { failure = error }
                condition.lock()
            }
            if let failure, !poisoned {
                poisoned = true
                error = failure
                failed.store(true, ordering: .releasing)
            }
            nextCommit += 1
            inFlight -= 1
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
