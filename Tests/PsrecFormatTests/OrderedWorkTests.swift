import Foundation
import Testing
@testable import PsrecFormat

/// `OrderedWork`, the one way psrec runs ordered work on worker threads (the writer's
/// pipeline, read-ahead, the catalog's digest and text rows are built on it).
@Suite struct OrderedWorkTests {
    /// A job's state: the thread that made it.
    final class Owner: @unchecked Sendable {
        let thread = Thread.current
    }

    /// A value shared between threads.
    final class Shared<Value>: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Value
        init(_ value: Value) { self.value = value }
        func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
        /// Changes the value and returns the new one.
        @discardableResult func update(_ change: (inout Value) -> Void) -> Value {
            lock.lock(); defer { lock.unlock() }
            change(&value)
            return value
        }
    }

    /// Waits until `count` parties have arrived (or 20 s pass); true if they all did.
    final class Gate: @unchecked Sendable {
        let condition = NSCondition()
        var arrived = 0
        let count: Int
        init(_ count: Int) { self.count = count }
        func arriveAndWait() -> Bool {
            condition.lock()
            defer { condition.unlock() }
            arrived += 1
            condition.broadcast()
            let deadline = Date().addingTimeInterval(20)
            while arrived < count { if !condition.wait(until: deadline) { return false } }
            return true
        }
    }

    @Test("Taken outputs come in submission order, each job with its own worker's state", arguments: [1, 2, 3])
    func takenInOrder(workers: Int) {
        let work = OrderedWork<Owner, (Int, Bool)>(workers: workers, depth: 4, name: "test", makeState: { Owner() })
        var taken: [Int] = []
        for i in 0..<300 {
            if work.inFlight == work.depth { taken.append(work.next().0) }
            work.submit { owner in
                // Uneven durations, so later jobs often finish first.
                usleep(useconds_t((i * 7) % 5) * 100)
                return (i, owner.thread === Thread.current)
            }
        }
        var sameThread = true
        while work.inFlight > 0 {
            let (i, own) = work.next()
            taken.append(i)
            sameThread = sameThread && own
        }
        work.stop()
        #expect(taken == Array(0..<300))
        #expect(sameThread, "a job ran with another worker's state")
    }

    @Test("Jobs run on several workers at once")
    func jobsRunInParallel() {
        let gate = Gate(2)
        let work = OrderedWork<Void, Bool>(workers: 2, depth: 2, name: "test", makeState: {})
        work.submit { _ in gate.arriveAndWait() }
        work.submit { _ in gate.arriveAndWait() }
        // Each job returns only once both are running: one worker alone would time out.
        #expect(work.next() && work.next())
        work.stop()
    }

    @Test("submit waits while depth jobs are in flight")
    func submitWaitsForRoom() {
        let release = Gate(2)
        let work = OrderedWork<Void, Int>(workers: 1, depth: 2, name: "test", makeState: {})
        work.submit { _ in _ = release.arriveAndWait(); return 1 }
        work.submit { _ in 2 }
        let submitted = Shared(false)
        let thread = Thread {
            work.submit { _ in 3 }
            submitted.update { $0 = true }
        }
        thread.start()
        usleep(200_000)
        let early = submitted.get()
        #expect(!early, "a third job went in while two were in flight")
        #expect(release.arriveAndWait())
        #expect(work.next() == 1)
        for _ in 0..<200 where !submitted.get() { usleep(10_000) }
        let late = submitted.get()
        #expect(late)
        #expect(work.next() == 2)
        #expect(work.next() == 3)
        work.stop()
    }

    @Test("Delivered outputs come in submission order, one delivery at a time", arguments: [1, 2, 3])
    func deliveredInOrder(workers: Int) {
        let delivered = Shared<[Int]>([])
        let active = Shared(0)
        let overlapped = Shared(false)
        let work = OrderedWork<Void, Int>(workers: workers, depth: 5, name: "test", makeState: {}, deliver: { i in
            if active.update({ $0 += 1 }) > 1 { overlapped.update { $0 = true } }
            usleep(useconds_t(i % 3) * 50)
            delivered.update { $0.append(i) }
            active.update { $0 -= 1 }
        })
        for i in 0..<300 {
            work.submit { _ in
                usleep(useconds_t((i * 7) % 5) * 100)
                return i
            }
        }
        work.drain()
        let all = delivered.get(), twoAtOnce = overlapped.get()
        #expect(all == Array(0..<300))
        #expect(!twoAtOnce, "two deliveries ran at once")
        work.stop()
    }

    @Test("stop() drops the jobs not started and ends the workers")
    func stopDropsQueuedJobs() {
        let started = Shared(0)
        let work = OrderedWork<Void, Int>(workers: 1, depth: 50, name: "test", makeState: {})
        for i in 0..<50 {
            work.submit { _ in
                started.update { $0 += 1 }
                usleep(20_000)
                return i
            }
        }
        usleep(30_000)
        work.stop()
        // One or two jobs had started; the other forty-odd were dropped.
        let count = started.get()
        #expect(count < 10)
    }
}
