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
    /// A prepared job: its commit part, or why it failed; nil when skipped after a failure.
    private typealias Prepared = Result<() throws(FormatError) -> Void, FormatError>?

    /// Worker threads.
    var workers: Int { work.workers }
    /// Jobs in flight (queued, compressing or waiting to commit) at most: two more than the
    /// workers, so that the caller rarely waits for a slow chunk while a worker is idle.
    var depth: Int { work.depth }
    private var work: OrderedWork<Compressor, Prepared>!
    // Guarded by `lock`:
    private let lock = NSLock()
    private var error: FormatError?
    /// Set at the first failure and never cleared: no job is prepared or committed after it.
    private let poisoned = Atomic<Bool>(false)
    /// Set with `error`, read without the lock: `takeError` runs on every append.
    private let failed = Atomic<Bool>(false)

    init(workers: Int = 2) {
        let workers = max(1, workers)
        work = OrderedWork(workers: workers, depth: workers + 2, name: "psrec writer", makeState: { Compressor() },
                           deliver: { [self] prepared in commit(prepared) })
    }

    /// Queues a job once fewer than `depth` are in flight.
    func submit(_ job: @escaping Job) {
        work.submit { [self] (compressor: inout Compressor) -> Prepared in
            if poisoned.load(ordering: .acquiring) { return nil }
            do throws(FormatError) { return .success(try job(compressor)) } catch { return .failure(error) }
        }
    }

    /// Runs on a worker, in submission order, one at a time. Nothing is committed after a
    /// failure (kept until the writer takes it, and the writer refuses every call after that).
    private func commit(_ prepared: Prepared) {
        guard let prepared, !poisoned.load(ordering: .acquiring) else { return }
        do throws(FormatError) {
            try prepared.get()()
        } catch {
            lock.lock()
            self.error = error
            poisoned.store(true, ordering: .releasing)
            failed.store(true, ordering: .releasing)
            lock.unlock()
        }
    }

    /// Waits until no job is in flight.
    func drain() { work.drain() }

    /// The error of a job that failed, once.
    func takeError() -> FormatError? {
        guard failed.load(ordering: .acquiring) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        let e = error
        error = nil
        failed.store(false, ordering: .releasing)
        return e
    }

    /// Waits for the jobs in flight, then ends the threads.
    func stop() {
        work.drain()
        work.stop()
    }
}
