import Foundation
import PsrecFormat

/// What this process's ingest has checked of each streamed recording's EVENTS chunks (their
/// event counts and indicators), so that completing a recording verifies the stored file
/// without decoding every chunk again (`Validator.verify(_:known:)`); a chunk not
/// remembered, or whose stored header differs, is decoded as usual.
///
/// Memory is bounded: at most `limit` chunks (262 144 by default, some 40 MB) are remembered in all; past that, everything
/// is forgotten and verification falls back to decoding. A recording is forgotten when it
/// is completed or ended, and when a stream begins it afresh.
final class IngestCheckMemory: @unchecked Sendable {
    /// Chunks remembered at most, in all recordings.
    let limit: Int

    init(limit: Int = 262_144) { self.limit = limit }

    private let lock = NSLock()
    private var chunks: [String: [Int64: Validator.CheckedEvents]] = [:]
    /// Each recording's file header (its salt and version), which the checks of every chunk
    /// need: read once. Counted as one chunk.
    private var fileHeaders: [String: FileHeader] = [:]
    private var count = 0

    func remember(_ recording: String, _ found: [(offset: Int64, checked: Validator.CheckedEvents)]) {
        guard !found.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        if count + found.count > limit {
            chunks = [:]
            fileHeaders = [:]
            count = 0
        }
        for (offset, checked) in found where chunks[recording, default: [:]].updateValue(checked, forKey: offset) == nil {
            count += 1
        }
    }

    func remember(_ recording: String, fileHeader: FileHeader) {
        lock.lock()
        defer { lock.unlock() }
        if count + 1 > limit {
            chunks = [:]
            fileHeaders = [:]
            count = 0
        }
        if fileHeaders.updateValue(fileHeader, forKey: recording) == nil { count += 1 }
    }

    func fileHeader(_ recording: String) -> FileHeader? {
        lock.lock()
        defer { lock.unlock() }
        return fileHeaders[recording]
    }

    func known(_ recording: String) -> [Int64: Validator.CheckedEvents] {
        lock.lock()
        defer { lock.unlock() }
        return chunks[recording] ?? [:]
    }

    func forget(_ recording: String) {
        lock.lock()
        defer { lock.unlock() }
        count -= chunks.removeValue(forKey: recording)?.count ?? 0
        if fileHeaders.removeValue(forKey: recording) != nil { count -= 1 }
    }
}
