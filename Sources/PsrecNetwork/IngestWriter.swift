import Foundation
import PsrecCatalog

/// The one thread that stores the chunks of every connection (`Catalog.appendIngest(_:)`):
/// what the connections submitted while the previous commit was being synced to disk is
/// stored in the next transaction, together, so the disk is synced once for all of it
/// (group commit across connections). With 200 sessions each sending a chunk a second,
/// that is a few syncs a second instead of 200, and no chunk waits behind 199 others'.
///
/// A connection checks its chunks' content before submitting them (`prepareIngest`, on the
/// server's catalog threads), so the commit holds the catalog only for the writes. A batch
/// refused does not hold up the others; a failed transaction (disk full) fails every batch
/// in it, each then told so and nothing of any stored. At most `maxBatches` batches or
/// `maxBytes` go into one transaction; the rest waits for the next.
final class IngestWriter: @unchecked Sendable {
    static let maxBatches = 512
    static let maxBytes = 32 << 20

    typealias Outcome = Result<IngestBatchOutcome, CatalogError>

    private let catalog: SharedCatalog
    // Guarded by `condition`:
    private let condition = NSCondition()
    private var queue: [(batch: IngestBatch, reply: CheckedContinuation<Outcome, any Error>)] = []
    private var stopping = false
    private var finished = false
    /// Transactions run so far (each one sync of the disk).
    private(set) var commits = 0

    init(catalog: SharedCatalog) {
        self.catalog = catalog
    }

    /// Starts the thread.
    func start() {
        let thread = Thread { [self] in loop() }
        thread.name = "psrec-ingest-writer"
        thread.start()
    }

    /// Stores `batch` with whatever else is waiting, once the commit before has ended.
    /// - Throws: `CancellationError` once the writer has stopped.
    func store(_ batch: IngestBatch) async throws -> Outcome {
        try await withCheckedThrowingContinuation { reply in
            condition.lock()
            defer { condition.unlock() }
            guard !stopping else {
                reply.resume(throwing: CancellationError())
                return
            }
            queue.append((batch, reply))
            condition.broadcast()
        }
    }

    /// Stores what was submitted, then ends the thread; waits for it.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var count = 0, bytes = 0
            for item in queue {
                let size = item.batch.chunks.reduce(0) { $0 + $1.bytes.count }
                if count > 0 && (count == Self.maxBatches || bytes + size > Self.maxBytes) { break }
                count += 1
                bytes += size
            }
            let taken = Array(queue.prefix(count))
            queue.removeFirst(count)
            condition.unlock()
            let outcomes: [Outcome]
            do {
                outcomes = try catalog.value.appendIngest(taken.map(\.batch))
            } catch {
                outcomes = taken.map { _ in .failure(error) }
            }
            condition.lock()
            commits += 1
            condition.unlock()
            for (item, outcome) in zip(taken, outcomes) { item.reply.resume(returning: outcome) }
        }
    }
}
