import Foundation

/// A task executor with threads of its own. The ingest server's tasks run here, so that a
/// process whose shared cooperative threads are all blocked (a test process is one) still
/// answers its connections.
final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// Starts `threads` threads named `name`.
    init(threads: Int, name: String) {
        for n in 0..<max(1, threads) {
            // Each thread holds the executor until it ends (after `shutdown()`).
            let thread = Thread { self.work() }
            thread.name = "\(name)-\(n)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads end once no job is left.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty { condition.unlock(); return }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
