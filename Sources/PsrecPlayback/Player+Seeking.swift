public import PsrecFormat

struct CachedChunk {
    var chunk: PlaybackChunk
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
/// - Backward, or a start time (nothing played yet): the screen is reset (`ESC c`) and
///   rebuilt from the latest full-screen clear before the target (`ESC c` or `ESC [ 2 J` in
///   the output), found among the clears met while playing or by reading at most
///   `clearSearchChunks` chunks back from the target; failing that, from the start of the
///   recording. Cost: the chunks from that point to the target, each read once (the
///   searched ones stay cached).
///
/// A rebuild from `ESC c` is exact. One from `ESC [ 2 J` draws the same cells, but modes set
/// before the clear (colours, scroll region, alternate screen) are not replayed; recordings
/// of shells, `clear`, `less` and `vim` redraw after their clears, so the picture matches.
///
/// Memory: one decoded chunk outside the cache (the one at the cursor, or the one being
/// read), and the cache, which holds at most `cacheChunks` chunks and `cacheBytes` decoded
/// bytes. A chunk larger than a quarter of that is never cached (it is read again when
/// needed) and is decoded with the cache emptied, so the most a player holds is the largest
/// chunk the format allows (32 MiB), or 8 MiB of cache and a small chunk. The clears
/// remembered are at most one per chunk (the latest), however many a chunk holds.
extension Player {
    /// Chunks read backwards from a jump target looking for a screen clear.
    static let clearSearchChunks = 32
    /// Decoded chunks kept in memory.
    static let cacheChunks = clearSearchChunks + 4
    /// Most decoded bytes the cache holds in all: 36 chunks of the largest size the format
    /// allows (32 MiB each) must not stay in memory at once.
    static let cacheBytes = 8 << 20

    /// The step at the cursor, moving the cursor past ends of chunks; nil at the end.
    func peek() -> PlaybackStep? {
        if let pending { return pending }
        while cursor.entry < reader.entries.count {
            if let chunk = chunkAtCursor() {
                let at = currentCursor ?? chunk.cursor(at: cursor.event)
                currentCursor = at
                if let step = chunk.step(from: at) {
                    pending = step
                    return step
                }
            }
            cursor = PlaybackPosition(entry: cursor.entry + 1, event: 0)
        }
        return nil
    }

    /// Moves the cursor past the step `peek()` returned.
    func advance() {
        guard let step = pending else { return }
        cursor.event = step.end.event
        currentCursor = step.end
    }

    /// The chunk at the cursor (held as `current`), or nil when it cannot be played.
    private func chunkAtCursor() -> PlaybackChunk? {
        if let current, current.entry == cursor.entry { return current.chunk }
        guard let chunk = chunk(cursor.entry) else { return nil }
        current = (cursor.entry, chunk)
        return chunk
    }

    /// The decoded EVENTS chunk `entry`, or nil when it cannot be played (noted once in
    /// `problems`). With `keep` it is cached, if small enough. Any other chunk held for the
    /// cursor is let go first, so at most one chunk outside the cache is in memory.
    func chunk(_ entry: Int, keep: Bool = true) -> PlaybackChunk? {
        cacheClock += 1
        if let cached = chunkCache[entry] {
            chunkCache[entry]?.lastUse = cacheClock
            return cached.chunk
        }
        if let current, current.entry == entry { return current.chunk }
        current = nil
        guard !unplayableEntries.contains(entry) else { return nil }
        let seekEntry = reader.entries[entry]
        // A chunk too large to cache is decoded with the cache emptied, so memory is that
        // chunk alone (a header is a few dozen bytes; a failed read is reported just below).
        if let header = try? reader.readHeader(at: seekEntry.offset), header.decodedLength > Self.cacheBytes / 4 {
            chunkCache.removeAll()
        }
        let loaded: PlaybackChunk
        do {
            // Played whole or not at all (Spec): the chunk is checked before its first event
            // is shown.
            loaded = try PlaybackChunk(reader: reader, entry: seekEntry)
        } catch {
            unplayableEntries.insert(entry)
            problems.append(PlaybackProblem(sequence: seekEntry.sequence, offsetBytes: seekEntry.offset, reason: "\(error)"))
            return nil
        }
        let size = loaded.payload.count
        if keep && size <= Self.cacheBytes / 4 {
            var held = chunkCache.values.reduce(0) { $0 + $1.chunk.payload.count }
            while !chunkCache.isEmpty && (chunkCache.count >= Self.cacheChunks || held + size > Self.cacheBytes),
                  let oldest = chunkCache.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                held -= chunkCache[oldest]?.chunk.payload.count ?? 0
                chunkCache[oldest] = nil
            }
            chunkCache[entry] = CachedChunk(chunk: loaded, lastUse: cacheClock)
        }
        return loaded
    }

    // MARK: Indicators

    /// Index in `reader.indicators` of the first indicator after the playhead.
    public func nextIndicatorIndex() -> Int? {
        let i = firstIndicator { $0.timeMicros > playheadMicros }
        return i < reader.indicators.count ? i : nil
    }

    /// Index in `reader.indicators` of the last indicator before the playhead.
    public func previousIndicatorIndex() -> Int? {
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

    /// Jumps to just after `indicator`: the screen shows everything up to it, and timing
    /// starts afresh there.
    public func jump(to indicator: Indicator) {
        rebuild(to: position(after: indicator))
        playheadMicros = indicator.timeMicros
        restartGap()
    }

    /// The position just after an indicator's event (and the events that draw nothing
    /// recorded with it), found through its chunk offset.
    public func position(after indicator: Indicator) -> PlaybackPosition {
        let entries = reader.entries
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].offset < indicator.chunkOffset { low = mid + 1 } else { high = mid }
        }
        let entry = low < entries.count && entries[low].offset == indicator.chunkOffset ? low : reader.entryIndex(atOrAfter: indicator.timeMicros)
        guard entry < entries.count else { return PlaybackPosition(entry: entries.count, event: 0) }
        guard let chunk = chunk(entry) else { return PlaybackPosition(entry: entry, event: 0) }
        var at = chunk.cursor(at: 0)
        while let step = chunk.step(from: at) {
            if step.timeMicros == indicator.timeMicros && step.hasIndicator { return PlaybackPosition(entry: entry, event: step.end.event) }
            if step.timeMicros > indicator.timeMicros { break }
            at = step.end
        }
        return PlaybackPosition(entry: entry, event: at.event)
    }

    /// Moves to the first event at or after `micros`, with the screen as it was just before;
    /// timing starts afresh there.
    public func seek(toMicros micros: Int64) {
        let entry = reader.entryIndex(atOrAfter: micros)
        var target = PlaybackPosition(entry: entry, event: 0)
        if entry < reader.entries.count, let chunk = chunk(entry) {
            var at = chunk.cursor(at: 0)
            while let step = chunk.step(from: at), step.timeMicros < micros { at = step.end }
            target.event = at.event
        }
        rebuild(to: target)
        playheadMicros = micros
        restartGap()
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
            if let chunk = chunk(entry) {
                let upper = entry == target.entry ? min(target.event, chunk.eventCount) : chunk.eventCount
                let lower = entry == floor.entry ? min(floor.event, upper) : 0
                var last: Int?
                chunk.forEachEvent(from: chunk.cursor(at: lower), to: upper) { index, event in
                    if event.type == .output && Self.clearsScreen(event.body) { last = index }
                }
                if let last {
                    let found = PlaybackPosition(entry: entry, event: last)
                    noteClear(at: found)
                    return found > floor ? found : nil
                }
            }
            entry -= 1
        }
        return nil
    }

    /// Writes the output of every event from `base` up to (not including) `target` at once,
    /// in pieces: one write per chunk of small bodies, large bodies as they lie.
    private func write(from base: PlaybackPosition, to target: PlaybackPosition) {
        guard base < target else { return }
        var entry = base.entry
        while entry < reader.entries.count && entry <= target.entry {
            if let chunk = chunk(entry, keep: chunkCache[entry] != nil) {
                let lower = entry == base.entry ? base.event : 0
                let upper = entry == target.entry ? min(target.event, chunk.eventCount) : chunk.eventCount
                var batch = OutputBatch()
                chunk.forEachEvent(from: chunk.cursor(at: lower), to: upper) { index, event in
                    see(event, at: PlaybackPosition(entry: entry, event: index), into: &batch)
                }
                batch.flush(to: output)
            }
            entry += 1
        }
    }

    /// Remembers a screen clear: `clearPoints` stays sorted and keeps only the latest
    /// clear of each chunk (all a rebuild needs, since the target's own chunk is searched).
    func noteClear(at position: PlaybackPosition) {
        var low = 0, high = clearPoints.count
        while low < high {
            let mid = (low + high) / 2
            if clearPoints[mid].entry < position.entry { low = mid + 1 } else { high = mid }
        }
        if low < clearPoints.count && clearPoints[low].entry == position.entry {
            if clearPoints[low] < position { clearPoints[low] = position }
            return
        }
        clearPoints.insert(position, at: low)
    }

    /// True when `bytes` clear the whole screen: `ESC c` (full reset) or `ESC [ 2 J`.
    static func clearsScreen(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 2 else { return false }
        for i in 0..<(bytes.count - 1) where bytes[i] == 0x1B {
            if bytes[i + 1] == 0x63 { return true }
            if i + 3 < bytes.count, bytes[i + 1] == 0x5B, bytes[i + 2] == 0x32, bytes[i + 3] == 0x4A { return true }
        }
        return false
    }
}
