import Dispatch
import Logging
import NIOConcurrencyHelpers
import PsrecCatalog
import PsrecFormat

/// The web server's keyframe builds, one at a time for a catalog on a thread of their own (a
/// serial dispatch queue at utility priority), so that a page view never waits for one.
///
/// A recording is queued when its player's index is fetched and its keyframes were built
/// from less than its content (never built, or a live recording that grew since); queuing
/// one already queued does nothing. A build resumes from the last keyframe stored and
/// stores its keyframes every `batch`, so that a server stopped in the middle of a long
/// recording's build loses at most a batch.
final class KeyframeQueue: Sendable {
    /// The server's queue: one for the process, whatever the number of applications (tests
    /// start many).
    static let shared = KeyframeQueue()

    /// What is queued or running, and a serial queue for each catalog (a server has one; a
    /// test process starts many servers, whose builds must not wait for each other's).
    private let queued = NIOLockedValueBox((keys: Set<Key>(), queues: [ObjectIdentifier: DispatchQueue]()))
    /// Keyframes stored in one transaction.
    static let batch = 32

    private struct Key: Hashable {
        var catalog: ObjectIdentifier
        var recording: Int64
    }

    /// Queues a build of `recording`'s keyframes unless one is queued or running.
    func enqueue(_ recording: CatalogRecording, catalog: WebCatalog, logger: Logger) {
        let key = Key(catalog: ObjectIdentifier(catalog.value), recording: recording.rowID)
        let queue = queued.withLockedValue { state -> DispatchQueue? in
            guard state.keys.insert(key).inserted else { return nil }
            if let queue = state.queues[key.catalog] { return queue }
            let queue = DispatchQueue(label: "psrec keyframes", qos: .utility)
            state.queues[key.catalog] = queue
            return queue
        }
        guard let queue else { return }
        queue.async { [queued] in
            defer { _ = queued.withLockedValue { $0.keys.remove(key) } }
            do {
                try Self.build(recording, in: catalog.value)
            } catch let error as CatalogError where error.code == .notFound {
                // Deleted meanwhile: nothing to build.
            } catch {
                logger.error("web: the keyframes of recording \(recording.uuid) could not be built: \(String(describing: error))")
            }
        }
    }

    /// Builds (or extends) `recording`'s keyframes from its stored content, on this thread.
    /// - Returns: whether there was anything to build.
    @discardableResult
    static func build(_ recording: CatalogRecording, in catalog: Catalog, builder: KeyframeBuilder = KeyframeBuilder()) throws -> Bool {
        let source = try catalog.content(of: recording)
        if let built = try catalog.keyframeContentBytes(of: recording), built >= source.size { return false }
        let reader = try RecordingReader(source: source)
        var last = try catalog.lastKeyframe(of: recording)
        var kept = try catalog.keyframeCount(of: recording)
        if let known = last, TerminalReplay.entry(reader, atOffset: known.chunkOffset) == nil {
            // Not a place in this content: built again from the start.
            last = nil
        }
        if last == nil { kept = 0 }
        var pending: [TerminalKeyframe] = []
        try builder.build(reader, after: last) { keyframe in
            pending.append(keyframe)
            if pending.count == batch {
                // Not done yet: the size stored says "more to build", so a restart resumes here.
                try catalog.storeKeyframes(pending, of: recording, keptCount: kept, contentBytes: 0)
                kept += pending.count
                pending = []
            }
        }
        try catalog.storeKeyframes(pending, of: recording, keptCount: kept, contentBytes: source.size)
        return true
    }
}
