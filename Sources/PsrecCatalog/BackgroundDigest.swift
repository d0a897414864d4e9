import Crypto
import PsrecFormat
import Foundation

/// SHA-256 of the byte blocks given to `update`, in order, computed on a thread of its own
/// so that an import hashes a file while SQLite stores it: hashing on the storing thread
/// made it a fifth slower.
///
/// At most `maxBlocksInFlight` blocks wait to be hashed; `update` blocks beyond that, so
/// memory stays bounded by a few segments.
final class BackgroundDigest: @unchecked Sendable {
    /// The running hash: updated by the worker, one delivery at a time, and read by
    /// `finalize` after `drain()`.
    private final class Hasher: @unchecked Sendable {
        var sha256 = SHA256()
    }

    private let hasher = Hasher()
    private let work: OrderedWork<Void, [UInt8]>

    init(maxBlocksInFlight: Int = 8) {
        work = OrderedWork(workers: 1, depth: maxBlocksInFlight, name: "psrec catalog digest", makeState: {},
                           deliver: { [hasher] bytes in hasher.sha256.update(data: bytes) })
    }

    /// Ends the thread when the digest is dropped unfinished (an import that failed).
    deinit { work.stop() }

    /// Queues `bytes`, the next block of the input.
    func update(_ bytes: [UInt8]) {
        work.submit { _ in bytes }
    }

    /// Waits for the blocks queued and returns the digest in lowercase hex. Call once.
    func finalize() -> String {
        work.drain()
        return hasher.sha256.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
