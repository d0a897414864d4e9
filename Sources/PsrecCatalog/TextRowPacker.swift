import Foundation
import PsrecFormat

/// Compresses terminal text rows on a thread of its own, in the order they are given, so that
/// SQLite indexes one row while the next ones are compressed: zstd took about a tenth of an
/// import's time on the calling thread.
///
/// ```
/// caller:  submit(row 1)  index row 1  submit(row 2)  index row 2  takeOldest() → row 1 …
/// thread:                 compress row 1              compress row 2 …
/// ```
///
/// The caller keeps the number of rows in flight small (`inFlight`), so memory stays bounded
/// by a few rows.
final class TextRowPacker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "psrec.catalog.text-row-packer")
    /// Used on `queue` only.
    private let compressor = Compressor()
    private let condition = NSCondition()
    /// Compressed rows not taken yet, by submission number; guarded by `condition`.
    private var packed: [Int: Result<[UInt8], any Error>] = [:]
    /// Used on the caller's thread only.
    private var submitted = 0
    private var taken = 0

    /// Rows submitted and not taken yet.
    var inFlight: Int { submitted - taken }

    /// Queues `text` for zstd compression.
    func submit(_ text: [UInt8]) {
        let number = submitted
        submitted += 1
        queue.async { [self] in
            let result = Result { try text.withUnsafeBytes { try compressor.compress($0, codec: .zstd, level: 3) } }
            condition.lock()
            packed[number] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The oldest row not taken yet, compressed, waiting for it when needed.
    /// - Throws: what compression threw.
    func takeOldest() throws -> [UInt8] {
        precondition(inFlight > 0, "takeOldest() without a row in flight")
        condition.lock()
        while packed[taken] == nil { condition.wait() }
        let result = packed.removeValue(forKey: taken)!
        condition.unlock()
        taken += 1
        return try result.get()
    }
}
