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
    /// Verifies the bytes from `source`. Never throws: unreadable input is `invalid`.
    public static func verify(_ source: any ByteSource) -> Verdict {
        let reader: RecordingReader
        do {
            reader = try RecordingReader(source: source, scan: true)
        } catch {
            let message = error.code == .badSignature ? "not a psrec file (the signature is missing)" : error.description
            return Verdict(status: .invalid, problems: [Verdict.Problem(kind: error.code.rawValue, message: message, offset: error.offset)],
                           fileBytes: source.size, playableMicros: 0, lastGoodOffset: nil, chunks: 0, events: 0, indicators: 0, recordingID: nil)
        }
        var check = Check(reader: reader)
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

/// One verification pass.
private struct Check {
    let reader: RecordingReader
    var problems: [Verdict.Problem] = []
    var events = 0
    var indicatorEvents: [Indicator] = []
    var badEntries = Set<Int64>()

    init(reader: RecordingReader) { self.reader = reader }

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
    }

    /// Decodes every event of every EVENTS chunk.
    mutating func checkEvents() {
        // Read ahead on other threads; every chunk is still checked in order.
        reader.forEachChunk(reader.entries.indices) { entry, read in
            do {
                let (chunk, payload) = try read.get()
                var found: [Indicator] = []
                var count = 0
                try payload.withUnsafeBytes { raw in
                    func check(_ raw: RawEvent) throws {
                        count += 1
                        // Output and input bodies are any bytes: framing was their whole check.
                        if raw.type == .output || raw.type == .input { return }
                        let event = try raw.decoded()
                        if let detail = Indicator.detail(for: event) {
                            found.append(Indicator(timeMicros: raw.timeMicros, kind: raw.type, chunkOffset: entry.offset, detail: detail))
                        }
                    }
                    guard chunk.isColumnar else {
                        try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset, check)
                        return
                    }
                    // Checked whole; a chunk of output and input only has nothing more to check.
                    let events = try EventsPayload.checkColumnar(raw, header: chunk, offset: entry.offset)
                    if events.allEvents(are: .output, or: .input) {
                        count = events.count
                    } else {
                        try events.forEach(check)
                    }
                }
                events += count
                indicatorEvents += found
            } catch {
                badEntries.insert(entry.offset)
                let e = FormatError.from(error)
                problem(FormatError(e.code, e.message, offset: e.offset ?? entry.offset), sequence: entry.sequence,
                        skippedTo: entry.offset, lost: entry.startMicros...entry.endMicros)
            }
        }
    }

    /// Checks partial and final indexes against the chunks and events actually found.
    mutating func checkIndexes() {
        let byOffset = Dictionary(reader.entries.map { ($0.offset, $0) }, uniquingKeysWith: { a, _ in a })
        var previousIndex: Int64?
        var sinceLast: [SeekEntry] = []
        var entryIterator = reader.entries.makeIterator()
        var pending = entryIterator.next()
        var indexedIndicators: [Indicator] = []
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
                let expected = sortedIndicators(indicatorEvents.filter { $0.chunkOffset < record.offset })
                if sortedIndicators(index.indicators.filter { !badEntries.contains($0.chunkOffset) }) != expected {
                    problem(FormatError(.badIndex, "The final index's indicators do not match the indicator events in the file", offset: record.offset), sequence: record.header.sequence)
                }
            } else {
                if index.entries.map(\.offset) != sinceLast.map(\.offset) {
                    problem(FormatError(.badIndex, "Index chunk \(record.header.sequence) lists \(index.entries.count) chunks but \(sinceLast.count) were written since the previous index", offset: record.offset), sequence: record.header.sequence)
                }
                indexedIndicators += index.indicators
            }
            previousIndex = record.offset
        }
        // Partial indexes must agree with the events of the chunks they cover.
        let covered = Set(reader.indexRecords.filter { !$0.payload.isFinal }.flatMap { $0.payload.entries.map(\.offset) })
        let fromEvents = sortedIndicators(indicatorEvents.filter { covered.contains($0.chunkOffset) && !badEntries.contains($0.chunkOffset) })
        let fromIndex = sortedIndicators(indexedIndicators.filter { !badEntries.contains($0.chunkOffset) })
        if fromEvents != fromIndex {
            problem(FormatError(.badIndex, "The partial indexes list \(fromIndex.count) indicators but the chunks they cover hold \(fromEvents.count)", offset: reader.indexRecords.first?.offset))
        }
        if reader.trailer != nil && !sawFinal {
            problem(FormatError(.badIndex, "The file has a trailer but no final index", offset: nil))
        }
    }

    func sortedIndicators(_ list: [Indicator]) -> [Indicator] {
        list.sorted { ($0.timeMicros, $0.chunkOffset, $0.kind.rawValue, $0.detail) < ($1.timeMicros, $1.chunkOffset, $1.kind.rawValue, $1.detail) }
    }

    func verdict() -> Verdict {
        let status: Verdict.Status = !problems.isEmpty ? .corrupt : (reader.trailer != nil ? .complete : .truncated)
        let good = reader.entries.filter { !badEntries.contains($0.offset) }
        return Verdict(status: status, problems: problems.sorted { ($0.offset ?? 0) < ($1.offset ?? 0) },
                       fileBytes: reader.source.size, playableMicros: good.last?.endMicros ?? 0,
                       lastGoodOffset: reader.truncation?.lastGoodOffset, chunks: reader.scannedChunks, events: events,
                       indicators: indicatorEvents.count, recordingID: reader.metadata?.recordingID.uuidString.lowercased())
    }
}
