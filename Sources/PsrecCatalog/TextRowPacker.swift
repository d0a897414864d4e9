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
    /// Rows in flight at most; `submit` waits beyond that.
    static let depth = 8
    private let work = OrderedWork<Compressor, Result<[UInt8], any Error>>(
        workers: 1, depth: TextRowPacker.depth, name: "psrec catalog text rows", makeState: { Compressor() })

    /// Ends the thread when the packer is dropped (rows not taken are dropped).
    deinit { work.stop() }

    /// Rows submitted and not taken yet.
    var inFlight: Int { work.inFlight }

    /// Queues `text` for zstd compression.
    func submit(_ text: [UInt8]) {
        work.submit { compressor in
            Result { try text.withUnsafeBytes { try compressor.compress($0, codec: .zstd, level: 3) } }
        }
    }

    /// The oldest row not taken yet, compressed, waiting for it when needed.
    /// - Throws: what compression threw.
    func takeOldest() throws -> [UInt8] {
        precondition(inFlight > 0, "takeOldest() without a row in flight")
        return try work.next().get()
    }
}
