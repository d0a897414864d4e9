import PsrecFormat

/// A place between two events: the next event to show is number `event` of EVENTS chunk
/// number `entry` (an index into `RecordingReader.entries`). Events that share a time stay
/// apart, which a session time alone could not do.
public struct PlaybackPosition: Comparable, Hashable, Sendable {
    public var entry: Int
    public var event: Int

    public init(entry: Int, event: Int) {
        self.entry = entry
        self.event = event
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.entry, a.event) < (b.entry, b.event)
    }
}

/// One event as the player needs it; screen images (RDP) and other types are not decoded.
struct PlaybackEvent {
    enum Kind {
        case output([UInt8])
        case resize(cols: Int, rows: Int)
        case indicator
        case other
    }

    var timeMicros: Int64
    var kind: Kind
}

struct CachedChunk {
    var events: [PlaybackEvent]
    var lastUse: Int
}

/// Seeking: the chunk cache, indicator jumps and rebuilding the screen.
///
/// To show the screen at a position, the player writes the recorded output from a point
/// where the screen is known, without delays:
///
/// ```
///  start ─── … ── clear ── … ── playhead ── … ── target
///  (reset)        (reset)       (no reset)
/// ```
///
/// - Forward (target after the playhead): from the playhead, without a reset. It reads
///   every chunk from the playhead's to the target's, each once: the minimum for an exact
///   screen. A jump to the next indicator in a long recording therefore costs the chunks
///   between the two, not the recording before them.
/// - Backward, or `--from` (nothing played yet): the screen is reset (`ESC c`) and rebuilt from the latest
///   full-screen clear before the target (`ESC c` or `ESC [ 2 J` in the output), found
///   among the clears met while playing or by reading at most `clearSearchChunks` chunks
///   back from the target; failing that, from the start of the recording. Cost: the chunks
///   from that point to the target, each read once (the searched ones stay cached).
///
/// A rebuild from `ESC c` is exact. One from `ESC [ 2 J` draws the same cells, but modes set
/// before the clear (colours, scroll region, alternate screen) are not replayed; recordings
/// of shells, `clear`, `less` and `vim` redraw after their clears, so the picture matches.
extension Player {
    /// Chunks read backwards from a jump target looking for a screen clear.
    static let clearSearchChunks = 32
    /// Decoded chunks kept in memory.
    static let cacheChunks = clearSearchChunks + 4
    /// Most events the cache holds in all: a chunk may declare and hold a million tiny
    /// events, and 36 such chunks must not stay in memory at once.
    static let cacheEvents = 1 << 18

    /// The event at the cursor, moving the cursor past ends of chunks; nil at the end.
    func peek() -> PlaybackEvent? {
        while cursor.entry < reader.entries.count {
            let events = chunk(cursor.entry)
            if cursor.event < events.count { return events[cursor.event] }
            cursor = PlaybackPosition(entry: cursor.entry + 1, event: 0)
        }
        return nil
    }

    func advance() { cursor.event += 1 }

    /// The decoded events of EVENTS chunk `entry`; a damaged chunk counts as empty and is
    /// noted in `damage`. With `keep` the chunk is cached.
    func chunk(_ entry: Int, keep: Bool = true) -> [PlaybackEvent] {
        cacheClock += 1
        if let cached = chunkCache[entry] {
            chunkCache[entry]?.lastUse = cacheClock
            return cached.events
        }
        let events = load(reader.entries[entry])
        if keep {
            var held = chunkCache.values.reduce(0) { $0 + $1.events.count }
            while !chunkCache.isEmpty && (chunkCache.count >= Self.cacheChunks || held + events.count > Self.cacheEvents),
                  let oldest = chunkCache.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                held -= chunkCache[oldest]?.events.count ?? 0
                chunkCache[oldest] = nil
            }
            if events.count <= Self.cacheEvents { chunkCache[entry] = CachedChunk(events: events, lastUse: cacheClock) }
        }
        return events
    }

    private func load(_ entry: SeekEntry) -> [PlaybackEvent] {
        var events: [PlaybackEvent] = []
        do {
            let (header, payload) = try reader.readEvents(entry)
            try payload.withUnsafeBytes { raw in
                // Played whole or not at all (Spec): the chunk is checked before its first
                // event is shown. Memory follows the events really there, not the count the
                // index declares.
                let count = try EventsPayload.checkWhole(raw, header: header, offset: entry.offset)
                events.reserveCapacity(count)
                try EventsPayload.forEach(in: raw, header: header, offset: entry.offset) { raw in
                    let kind: PlaybackEvent.Kind
                    switch raw.type {
                    case .output: kind = .output(Array(raw.body))
                    case .resize:
                        if case .resize(let cols, let rows) = try raw.decoded() { kind = .resize(cols: cols, rows: rows) } else { kind = .other }
                    case let type where type.isIndicator: kind = .indicator
                    default: kind = .other
                    }
                    events.append(PlaybackEvent(timeMicros: raw.timeMicros, kind: kind))
                }
            }
        } catch {
            damage.append("chunk \(entry.sequence) at byte \(entry.offset) cannot be played: \(TerminalSafe.escape("\(error)")); it was skipped")
            return []
        }
        return events
    }

    // MARK: Indicators

    /// Index of the first indicator after the playhead.
    func nextIndicatorIndex() -> Int? {
        let i = firstIndicator { $0.timeMicros > playheadMicros }
        return i < reader.indicators.count ? i : nil
    }

    /// Index of the last indicator before the playhead.
    func previousIndicatorIndex() -> Int? {
        let i = firstIndicator { $0.timeMicros >= playheadMicros }
        return i > 0 ? i - 1 : nil
    }

    /// Binary search: the first indicator for which `isAtOrAfter` holds (indicators are in time order).
    private func firstIndicator(_ isAtOrAfter: (Indicator) -> Bool) -> Int {
        var low = 0, high = reader.indicators.count
        while low < high {
            let mid = (low + high) / 2
            if isAtOrAfter(reader.indicators[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Jumps to just after `indicator`: the screen shows everything up to it.
    func jump(to indicator: Indicator) {
        rebuild(to: position(after: indicator))
        playheadMicros = indicator.timeMicros
        restartGap()
    }

    /// The position just after an indicator's event, found through its chunk offset.
    func position(after indicator: Indicator) -> PlaybackPosition {
        let entries = reader.entries
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].offset < indicator.chunkOffset { low = mid + 1 } else { high = mid }
        }
        let entry = low < entries.count && entries[low].offset == indicator.chunkOffset ? low : reader.entryIndex(atOrAfter: indicator.timeMicros)
        guard entry < entries.count else { return PlaybackPosition(entry: entries.count, event: 0) }
        let events = chunk(entry)
        if let i = events.firstIndex(where: { $0.timeMicros == indicator.timeMicros && $0.isIndicator }) {
            return PlaybackPosition(entry: entry, event: i + 1)
        }
        return PlaybackPosition(entry: entry, event: events.firstIndex { $0.timeMicros > indicator.timeMicros } ?? events.count)
    }

    /// Moves to the first event at or after `micros`, with the screen as it was just before.
    func seek(toMicros micros: Int64) {
        let entry = reader.entryIndex(atOrAfter: micros)
        var target = PlaybackPosition(entry: entry, event: 0)
        if entry < reader.entries.count {
            let events = chunk(entry)
            target.event = events.firstIndex { $0.timeMicros >= micros } ?? events.count
        }
        rebuild(to: target)
        playheadMicros = micros
    }

    // MARK: Rebuilding the screen

    /// Makes the screen show every event before `target`, and puts the cursor there.
    func rebuild(to target: PlaybackPosition) {
        let start = PlaybackPosition(entry: 0, event: 0)
        var base = start
        if cursor <= target && cursor != start {
            // Forward: go on from the playhead as the screen stands; exact, and the chunks
            // in between would be read by a search for a clear anyway.
            base = cursor
        } else {
            if let clear = clearPoints.last(where: { $0 < target }) { base = clear }
            if let found = searchClear(before: target, notBefore: base) { base = found }
        }
        let reset = base != cursor
        if reset && output.isTerminal { output.resetScreen() }
        write(from: base, to: target)
        cursor = target
    }

    /// The last screen clear before `target`, reading at most `clearSearchChunks` chunks
    /// backwards and never before `floor`.
    private func searchClear(before target: PlaybackPosition, notBefore floor: PlaybackPosition) -> PlaybackPosition? {
        let count = reader.entries.count
        guard count > 0 else { return nil }
        var entry = min(target.entry, count - 1)
        let lowest = max(floor.entry, entry - Self.clearSearchChunks + 1)
        while entry >= lowest {
            let events = chunk(entry)
            let upper = entry == target.entry ? min(target.event, events.count) : events.count
            let lower = entry == floor.entry ? min(floor.event, upper) : 0
            if let i = (lower..<upper).last(where: { events[$0].clearsScreen }) {
                let found = PlaybackPosition(entry: entry, event: i)
                noteClear(at: found)
                return found > floor ? found : nil
            }
            entry -= 1
        }
        return nil
    }

    /// Writes the output of every event from `base` up to (not including) `target` at once.
    private func write(from base: PlaybackPosition, to target: PlaybackPosition) {
        guard base < target else { return }
        var entry = base.entry
        while entry < reader.entries.count && entry <= target.entry {
            let events = chunk(entry, keep: chunkCache[entry] != nil)
            let lower = entry == base.entry ? base.event : 0
            let upper = entry == target.entry ? min(target.event, events.count) : events.count
            var bytes: [UInt8] = []
            if lower < upper {
                for i in lower..<upper {
                    switch events[i].kind {
                    case .output(let out):
                        if Self.clearsScreen(out) { noteClear(at: PlaybackPosition(entry: entry, event: i)) }
                        bytes += out
                    case .resize(let cols, let rows):
                        noteRecordedSize(cols: cols, rows: rows)
                    case .indicator, .other:
                        break
                    }
                }
            }
            if !bytes.isEmpty { output.write(bytes) }
            entry += 1
        }
    }

    /// Remembers a screen clear, keeping `clearPoints` sorted and free of repeats.
    func noteClear(at position: PlaybackPosition) {
        var low = 0, high = clearPoints.count
        while low < high {
            let mid = (low + high) / 2
            if clearPoints[mid] < position { low = mid + 1 } else { high = mid }
        }
        if low < clearPoints.count && clearPoints[low] == position { return }
        clearPoints.insert(position, at: low)
    }

    /// True when `bytes` clear the whole screen: `ESC c` (full reset) or `ESC [ 2 J`.
    static func clearsScreen(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 2 else { return false }
        for i in 0..<(bytes.count - 1) where bytes[i] == 0x1B {
            if bytes[i + 1] == 0x63 { return true }
            if i + 3 < bytes.count, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x32, bytes[i + 3] == 0x4A { return true }
        }
        return false
    }
}

extension PlaybackEvent {
    var clearsScreen: Bool {
        if case .output(let bytes) = kind { return Player.clearsScreen(bytes) }
        return false
    }

    var isIndicator: Bool {
        if case .indicator = kind { return true }
        return false
    }
}
