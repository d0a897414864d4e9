import Crypto
import Foundation

/// SHA-256 of the byte blocks given to `update`, in order, computed on a thread of its own
/// so that an import hashes a file while SQLite stores it: hashing on the storing thread
/// made it a fifth slower.
///
/// At most `maxBlocksInFlight` blocks wait to be hashed; `update` blocks beyond that, so
/// memory stays bounded by a few segments.
final class BackgroundDigest: @unchecked Sendable {
    private let queue = DispatchQueue(label: "psrec.catalog.digest")
    /// Used on `queue` only.
    private var hasher = SHA256()
    private let slots: DispatchSemaphore

    init(maxBlocksInFlight: Int = 8) {
        slots = DispatchSemaphore(value: maxBlocksInFlight)
    }

    /// Queues `bytes`, the next block of the input.
    func update(_ bytes: [UInt8]) {
        slots.wait()
        queue.async { [self] in
            hasher.update(data: bytes)
            slots.signal()
        }
    }

    /// Waits for the blocks queued, and returns the digest in lowercase hex.
    func finalize() -> String {
        queue.sync { hasher.finalize().map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
    }
}
