import Foundation

/// Runs every check of the Spec on a whole file and gives a `Verdict` (`Spec/format.md#reading`).
///
/// Checks: signature and header; on every chunk its magic, header and payload checksums,
/// lengths and limits, sequence continuity, time order, decompression to the declared size
/// and the decoding of every event; every index entry pointing at a real chunk of the stated
/// sequence, time range and event count; partial indexes covering exactly the chunks since
/// the previous one and pointing back to it; the final index listing every chunk; the
/// indicator index matching the indicator events; the trailer matching the file.
///
/// Memory is bounded by one chunk plus the index; the file is read once more than a scan.
public enum Validator {
    /// What a caller already knows of an EVENTS chunk because it ran `ChunkCheck` on it
    /// (a server checks each chunk as it arrives): `verify` takes it instead of decoding the
    /// chunk again, when the chunk it finds at that offset has this very header and a
    /// payload with the header's checksum.
    public struct CheckedEvents: Sendable {
        let header: ChunkHeader
        let eventCount: Int
        let indicators: IndicatorTally

        init(header: ChunkHeader, eventCount: Int, indicators: IndicatorTally) {
            self.header = header
            self.eventCount = eventCount
            self.indicators = indicators
        }

        /// - Returns: nil for a chunk that is not an EVENTS chunk.
        public init?(_ checked: ChunkCheck.Checked) {
            guard checked.header.type == .events else { return nil }
            header = checked.header
            eventCount = checked.eventCount
            var tally = IndicatorTally()
            for indicator in checked.indicators { tally.add(indicator) }
            indicators = tally
        }
    }

    /// Verifies the bytes from `source`. Never throws: unreadable input is `invalid`.
    /// - Parameter known: EVENTS chunks already checked, by offset, in this process (the
    ///   tallies of their indicators are only comparable within one process); each is still
    ///   read and its payload checksum checked, but it is not decompressed or decoded.
    public static func verify(_ source: any ByteSource, known: [Int64: CheckedEvents] = [:]) -> Verdict {
        let reader: RecordingReader
        do {
            reader = try RecordingReader(source: source, scan: true)
        } catch {
            let message = error.code == .badSignature ? "not a psrec file (the signature is missing)" : error.description
            return Verdict(status: .invalid, problems: [Verdict.Problem(kind: error.code.rawValue, message: message, offset: error.offset)],
                           fileBytes: source.size, playableMicros: 0, lastGoodOffset: nil, chunks: 0, events: 0, indicators: 0, recordingID: nil)
        }
        var check = Check(reader: reader, known: known)
        check.run()
        return check.verdict()
    }

    /// Verifies the file at `path`.
    public static func verify(path: String) -> Verdict {
        do {
            return verify(try FileSource(path: path))
        } catch {
            return Verdict(status: .invalid, problems: [Verdict.Problem(kind: error.code.rawValue, message: error.message, offset: nil)],
                           fileBytes: 0, playableMicros: 0, lastGoodOffset: nil, chunks: 0, events: 0, indicators: 0, recordingID: nil)
        }
    }
}

/// A multiset of indicators in constant memory: their number and the sum of a keyed hash of
/// each. Two tallies are equal when the lists hold the same indicators in any order (the
/// hash is seeded afresh by each process, so a file cannot be made to collide on purpose).
/// The verifier compares the index's indicators with the events' this way instead of
/// keeping every indicator event of the file.
struct IndicatorTally: Equatable {
    private(set) var count = 0
    private var sum: UInt64 = 0

    mutating func add(_ indicator: Indicator) {
        var hasher = Hasher()
        hasher.combine(indicator.timeMicros)
        hasher.combine(indicator.kind.rawValue)
        hasher.combine(indicator.chunkOffset)
        hasher.combine(indicator.detail)
        count += 1
        sum &+= UInt64(bitPattern: Int64(hasher.finalize()))
    }

    mutating func add(_ other: IndicatorTally) {
        count += other.count
        sum &+= other.sum
    }
}

/// One verification pass.
private struct Check {
    let reader: RecordingReader
    var problems: [Verdict.Problem] = []
    var events = 0
    /// The indicator events of each EVENTS chunk that has any, by chunk offset.
    var indicatorEvents: [Int64: IndicatorTally] = [:]
    var indicatorCount = 0
    var badEntries = Set<Int64>()
    let known: [Int64: Validator.CheckedEvents]

    init(reader: RecordingReader, known: [Int64: Validator.CheckedEvents] = [:]) {
        self.reader = reader
        self.known = known
    }

    mutating func problem(_ error: FormatError, sequence: UInt32? = nil, skippedTo: Int64? = nil, lost: ClosedRange<Int64>? = nil) {
        problems.append(Verdict.Problem(kind: error.code.rawValue, message: error.message, offset: error.offset,
                                        sequence: sequence, skippedToOffset: skippedTo, lostMicros: lost))
    }

    mutating func run() {
        for d in reader.damage {
            problem(FormatError(d.error.code, d.error.message, offset: d.offset), sequence: d.sequence,
                    skippedTo: d.endOffset.flatMap { $0 > d.offset ? $0 : nil })
        }
        checkEvents()
        checkIndexes()
        // Chunks a reader skips unread: a verifier still checks every payload.
        for offset in reader.skippedAncillaryOffsets {
            do {
                try reader.checkStoredPayload(at: offset)
            } catch {
                let header = try? reader.readHeader(at: offset)
                problem(FormatError(error.code, error.message + " (a chunk of a type this reader does not know, skipped)", offset: offset),
                        sequence: header?.sequence)
            }
        }
    }

    /// Decodes every event of every EVENTS chunk, but those `known` with the header found.
    mutating func checkEvents() {
        var unknown: [Range<Int>] = []
        for i in reader.entries.indices {
            let entry = reader.entries[i]
            if let checked = known[entry.offset], let header = try? reader.readHeader(at: entry.offset), header == checked.header,
               storedPayloadMatches(header, at: entry.offset) {
                events += checked.eventCount
                if checked.indicators.count > 0 {
                    indicatorEvents[entry.offset] = checked.indicators
                    indicatorCount += checked.indicators.count
                }
            } else if let last = unknown.last, last.upperBound == i {
                unknown[unknown.count - 1] = last.lowerBound..<(i + 1)
            } else {
                unknown.append(i..<(i + 1))
            }
        }
        for run in unknown { decodeEvents(run) }
    }

    /// True when the payload stored after the header at `offset` has the header's checksum:
    /// the bytes a caller checked are the bytes here, without decompressing them.
    func storedPayloadMatches(_ header: ChunkHeader, at offset: Int64) -> Bool {
        guard let stored = try? reader.source.read(at: offset + Int64(ChunkHeader.size), count: header.storedLength),
              stored.count == header.storedLength else { return false }
        return stored.withUnsafeBytes { Checksum.salted($0, salt: reader.header.salt) } == header.payloadCRC
    }

    /// Decodes every event of the EVENTS chunks `range` of the reader's entries.
    mutating func decodeEvents(_ range: Range<Int>) {
        // Read ahead on other threads; every chunk is still checked in order.
        reader.forEachChunk(range) { entry, read in
            do {
                let (chunk, payload) = try read.get()
                var found = IndicatorTally()
                let count = try payload.withUnsafeBytes { raw in
                    try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset) { event, detail in
                        found.add(Indicator(timeMicros: event.timeMicros, kind: event.type, chunkOffset: entry.offset, detail: detail))
                    }
                }
                events += count
                if found.count > 0 {
                    indicatorEvents[entry.offset] = found
                    indicatorCount += found.count
                }
            } catch {
                badEntries.insert(entry.offset)
                let e = FormatError.from(error)
                // The chunk is reported where it starts and skipped whole, to its end.
                let end = (try? reader.readHeader(at: entry.offset))?.end(at: entry.offset)
                problem(FormatError(e.code, e.message, offset: entry.offset), sequence: entry.sequence,
                        skippedTo: end, lost: entry.startMicros...entry.endMicros)
            }
        }
    }

    /// The tally of the indicator events in the chunks `include` accepts.
    func eventTally(_ include: (Int64) -> Bool) -> IndicatorTally {
        var tally = IndicatorTally()
        for (offset, found) in indicatorEvents where include(offset) && !badEntries.contains(offset) { tally.add(found) }
        return tally
    }

    /// The tally of `list`, leaving out indicators of chunks that failed their checks.
    func indexTally(_ list: [Indicator]) -> IndicatorTally {
        var tally = IndicatorTally()
        for indicator in list where !badEntries.contains(indicator.chunkOffset) { tally.add(indicator) }
        return tally
    }

    /// Checks partial and final indexes against the chunks and events actually found.
    mutating func checkIndexes() {
        let byOffset = Dictionary(reader.entries.map { ($0.offset, $0) }, uniquingKeysWith: { a, _ in a })
        var previousIndex: Int64?
        var sinceLast: [SeekEntry] = []
        var entryIterator = reader.entries.makeIterator()
        var pending = entryIterator.next()
        var indexedIndicators = IndicatorTally()
        var covered = Set<Int64>()
        var sawFinal = false
        for record in reader.indexRecords {
            // The chunks written between the previous index and this one.
            sinceLast.removeAll()
            while let e = pending, e.offset < record.offset {
                sinceLast.append(e)
                pending = entryIterator.next()
            }
            let index = record.payload
            if index.previousIndexOffset != previousIndex {
                problem(FormatError(.badIndex, "Index chunk \(record.header.sequence) points back to byte \(index.previousIndexOffset.map(String.init) ?? "none") instead of the previous index at \(previousIndex.map(String.init) ?? "none")", offset: record.offset), sequence: record.header.sequence)
            }
            if index.entries.count + index.indicators.count != record.header.itemCount {
                problem(FormatError(.badIndex, "Index chunk \(record.header.sequence) declares \(record.header.itemCount) items but holds \(index.entries.count + index.indicators.count)", offset: record.offset), sequence: record.header.sequence)
            }
            for entry in index.entries where byOffset[entry.offset] != entry {
                problem(FormatError(.badIndex, "Index chunk \(record.header.sequence) lists a chunk at byte \(entry.offset) (sequence \(entry.sequence)) that is not an EVENTS chunk with that sequence, time range and event count", offset: record.offset), sequence: record.header.sequence)
                break
            }
            if index.isFinal {
                sawFinal = true
                if let trailer = reader.trailer, trailer.indexOffset == record.offset {
                    let duration = trailer.durationMicros
                    if record.header.startMicros != duration || record.header.endMicros != duration {
                        problem(FormatError(.badIndex, "The final index is stamped \(record.header.startMicros) µs but the trailer says the recording lasts \(duration) µs", offset: record.offset), sequence: record.header.sequence)
                    }
                    if let last = reader.entries.last, last.endMicros > duration {
                        problem(FormatError(.badTrailer, "The trailer says the recording lasts \(duration) µs but its last events are at \(last.endMicros) µs", offset: record.header.end(at: record.offset)))
                    }
                }
                let listed = index.entries.map(\.offset)
                let actual = reader.entries.filter { $0.offset < record.offset }.map(\.offset)
                if listed != actual {
                    problem(FormatError(.badIndex, "The final index lists \(listed.count) EVENTS chunks but the file holds \(actual.count) before it", offset: record.offset), sequence: record.header.sequence)
                }
                if indexTally(index.indicators) != eventTally({ $0 < record.offset }) {
                    problem(FormatError(.badIndex, "The final index's indicators do not match the indicator events in the file", offset: record.offset), sequence: record.header.sequence)
                }
            } else {
                if index.entries.map(\.offset) != sinceLast.map(\.offset) {
                    problem(FormatError(.badIndex, "Index chunk \(record.header.sequence) lists \(index.entries.count) chunks but \(sinceLast.count) were written since the previous index", offset: record.offset), sequence: record.header.sequence)
                }
                indexedIndicators.add(indexTally(index.indicators))
                for entry in index.entries { covered.insert(entry.offset) }
            }
            previousIndex = record.offset
        }
        // Partial indexes must agree with the events of the chunks they cover.
        let fromEvents = eventTally { covered.contains($0) }
        let fromIndex = indexedIndicators
        if fromEvents != fromIndex {
            problem(FormatError(.badIndex, "The partial indexes list \(fromIndex.count) indicators but the chunks they cover hold \(fromEvents.count)", offset: reader.indexRecords.first?.offset))
        }
        if reader.trailer != nil && !sawFinal {
            problem(FormatError(.badIndex, "The file has a trailer but no final index", offset: nil))
        }
    }

    func verdict() -> Verdict {
        let status: Verdict.Status = !problems.isEmpty ? .corrupt : (reader.trailer != nil ? .complete : .truncated)
        let good = reader.entries.filter { !badEntries.contains($0.offset) }
        return Verdict(status: status, problems: problems.sorted { ($0.offset ?? 0) < ($1.offset ?? 0) },
                       fileBytes: reader.source.size, playableMicros: good.last?.endMicros ?? 0,
                       lastGoodOffset: reader.truncation?.lastGoodOffset, chunks: reader.scannedChunks, events: events,
                       indicators: indicatorCount, recordingID: reader.metadata?.recordingID.uuidString.lowercased())
    }
}
