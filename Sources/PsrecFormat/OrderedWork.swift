import Foundation

/// Runs jobs on worker threads and hands their outputs over in the order the jobs were
/// submitted: the one way psrec runs ordered work in the background.
///
/// Each worker has state of its own, made on that thread by `makeState` (a `Compressor`, a
/// producer of values), so a job never shares it. At most `depth` jobs are in flight
/// (submitted and not yet handed over); `submit` waits for room, so memory stays bounded
/// by a few outputs.
///
/// Outputs are handed over in one of two ways, chosen at creation:
/// - **taken** (`deliver` nil): the submitter takes each output, oldest first, with `next()`
///   (read-ahead of chunks, compression of catalog text rows);
/// - **delivered**: `deliver` is called with each output in submission order, one call at a
///   time, on a worker thread (a writer's commits, a running digest).
///
/// ```
/// submitter: submit(1) submit(2) submit(3) ……… next() → 1  next() → 2 …
/// worker A:  job 1 ───────────┐
/// worker B:  job 2 ──┐        │  (2 waits for 1 before it is handed over)
/// ```
package final class OrderedWork<State, Output>: @unchecked Sendable {
    /// Worker threads.
    package let workers: Int
    /// Jobs in flight at most.
    package let depth: Int
    private let makeState: () -> State
    private let deliver: ((Output) -> Void)?
    // Guarded by `condition`:
    private let condition = NSCondition()
    /// Jobs not started, oldest first (at most `depth`: removing the first is cheap, and a
    /// started job's closure, with what it captured, is released at once).
    private var queue: [(ticket: Int, job: (inout State) -> Output)] = []
    private var ready: [Int: Output] = [:]
    private var nextTicket = 0
    private var nextHandOver = 0
    private var stopping = false
    private var running: Int

    /// Starts the workers.
    /// - Parameters:
    ///   - workers: threads running jobs (at least one).
    ///   - depth: jobs in flight at most (at least one).
    ///   - name: the threads' name.
    ///   - makeState: called once on each worker thread; its result is handed to every job
    ///     that worker runs.
    ///   - deliver: called with each output in submission order, one call at a time; nil to
    ///     have the submitter take outputs with `next()`.
    package init(workers: Int, depth: Int, name: String, makeState: @escaping () -> State, deliver: ((Output) -> Void)? = nil) {
        self.workers = max(1, workers)
        self.depth = max(1, depth)
        self.makeState = makeState
        self.deliver = deliver
        running = self.workers
        for _ in 0..<self.workers {
            let thread = Thread { [self] in work() }
            thread.name = name
            thread.start()
        }
    }

    /// Jobs submitted and not yet handed over.
    package var inFlight: Int {
        condition.lock()
        defer { condition.unlock() }
        return nextTicket - nextHandOver
    }

    /// Queues `job` once fewer than `depth` jobs are in flight.
    package func submit(_ job: @escaping (inout State) -> Output) {
        condition.lock()
        precondition(!stopping, "submit after stop()")
        while nextTicket - nextHandOver >= depth && !stopping { condition.wait() }
        precondition(!stopping, "stop() while a submit waited for room")
        queue.append((nextTicket, job))
        nextTicket += 1
        condition.broadcast()
        condition.unlock()
    }

    /// The output of the oldest job not taken yet, waiting for it. Only without `deliver`,
    /// and only with a job in flight.
    package func next() -> Output {
        precondition(deliver == nil, "outputs are delivered, not taken")
        condition.lock()
        defer { condition.unlock() }
        precondition(nextHandOver < nextTicket, "next() without a job in flight")
        precondition(!stopping, "next() after stop(): its job may have been dropped")
        while ready[nextHandOver] == nil { condition.wait() }
        let output = ready.removeValue(forKey: nextHandOver)!
        nextHandOver += 1
        condition.broadcast()
        return output
    }

    /// Waits until every job submitted has been delivered. Only with `deliver`.
    package func drain() {
        precondition(deliver != nil, "drain() is for delivered outputs; take them with next()")
        condition.lock()
        precondition(!stopping || nextHandOver == nextTicket, "drain() after stop(): jobs were dropped")
        while nextHandOver < nextTicket { condition.wait() }
        condition.unlock()
    }

    /// Drops the jobs not started, waits for those running, and ends the threads; call once,
    /// when done, and not from a job or `deliver` (it would wait for itself). With
    /// `deliver`, call `drain()` first to have every job delivered. Nothing may be submitted,
    /// taken or drained after it.
    package func stop() {
        condition.lock()
        stopping = true
        queue.removeAll()
        condition.broadcast()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        var state = makeState()
        condition.lock()
        while true {
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping { break }
            var (ticket, job) = queue.removeFirst()
            condition.unlock()
            let output = job(&state)
            job = { _ in fatalError("run once") }   // what the job captured is released now
            condition.lock()
            if let deliver {
                // In order, one at a time: wait for the jobs before this one to be delivered.
                while nextHandOver != ticket && !stopping { condition.wait() }
                if nextHandOver != ticket { break }
                condition.unlock()
                deliver(output)
                condition.lock()
                nextHandOver += 1
            } else {
                ready[ticket] = output
            }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
