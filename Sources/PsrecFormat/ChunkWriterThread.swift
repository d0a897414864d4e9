import Foundation
import Synchronization

/// The second thread of a `RecordingWriter` with `WriterOptions.writeInBackground`: runs the
/// writer's chunk jobs (compress, checksum, write, index, sync) one at a time, in order,
/// while the caller goes on filling the next chunk.
///
/// At most one job is in flight: `submit` first waits for the previous one. The writer
/// touches the state its jobs use (sink, sequence, indexes) only after `drain()`. A job's
/// error is kept and handed to the writer by `takeError()`.
final class ChunkWriterThread: @unchecked Sendable {
    // Guarded by `condition`:
    private let condition = NSCondition()
    private var job: (() throws(FormatError) -> Void)?
    private var busy = false
    private var error: FormatError?
    /// Set with `error`, read without the lock: `takeError` runs on every append.
    private let failed = Atomic<Bool>(false)
    private var stopping = false
    private var running = true

    init() {
        let thread = Thread { [self] in loop() }
        thread.name = "psrec writer"
        thread.start()
    }

    /// Runs `work` on the thread after the job before it.
    func submit(_ work: @escaping () throws(FormatError) -> Void) {
        condition.lock()
        while busy { condition.wait() }
        job = work
        busy = true
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until no job is in flight.
    func drain() {
        condition.lock()
        while busy { condition.wait() }
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

    /// Waits for the job in flight, then ends the thread.
    func stop() {
        condition.lock()
        while busy { condition.wait() }
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        while true {
            while job == nil && !stopping { condition.wait() }
            guard let work = job else { break }
            condition.unlock()
            var failure: FormatError?
            do { try work() } catch { failure = error }
            condition.lock()
            if let failure, error == nil {
                error = failure
                failed.store(true, ordering: .releasing)
            }
            job = nil
            busy = false
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
