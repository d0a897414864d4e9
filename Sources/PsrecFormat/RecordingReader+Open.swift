extension RecordingReader {
    /// The fast path: trailer → final index. Returns false (and changes nothing) when the
    /// trailer or the index it points to does not check out.
    func openThroughTrailer() throws(FormatError) -> Bool {
        let size = source.size
        let firstChunk = Int64(FileHeader.size)
        guard size >= firstChunk + Int64(ChunkHeader.size) * 2 + Int64(Trailer.size) else { return false }
        let tail = try source.read(at: size - Int64(Trailer.size), count: Trailer.size)
        guard let trailer = tail.withUnsafeBytes({ Trailer.decode($0, salt: header.salt) }) else { return false }
        guard trailer.indexOffset > firstChunk, trailer.indexOffset < size - Int64(Trailer.size) else { return false }
        guard let chunk = try? readHeader(at: trailer.indexOffset), chunk.type == .index,
              chunk.sequence == trailer.indexSequence, chunk.startMicros == chunk.endMicros,
              chunk.end(at: trailer.indexOffset) == size - Int64(Trailer.size) else { return false }
        guard let payload = try? readPayload(chunk, at: trailer.indexOffset),
              let index = try? payload.withBytes({ (raw) throws(FormatError) -> IndexPayload in try IndexPayload.decode(raw, offset: trailer.indexOffset) }),
              index.isFinal, index.entries.count + index.indicators.count == chunk.itemCount else { return false }
        guard let meta = try? readMetadata() else { return false }
        indexChunksRead = 1
        metadata = meta
        entries = index.entries
        indicators = index.indicators
        self.trailer = trailer
        return true
    }

    /// Reads the metadata chunk, which must be the first chunk.
    func readMetadata() throws(FormatError) -> RecordingMetadata {
        let offset = Int64(FileHeader.size)
        let chunk = try readHeader(at: offset)
        guard chunk.type == .metadata, chunk.sequence == 0 else {
            throw FormatError(.malformedPayload, "The first chunk is not the metadata chunk", offset: offset)
        }
        guard chunk.startMicros == 0, chunk.endMicros == 0 else {
            throw FormatError(.malformedPayload, "The metadata chunk's times are \(chunk.startMicros)…\(chunk.endMicros) µs instead of 0", offset: offset)
        }
        guard chunk.decodedLength <= Limits.maxMetadataLength else {
            throw FormatError(.limitExceeded, "The metadata chunk is larger than \(Limits.maxMetadataLength) bytes", offset: offset)
        }
        return try RecordingMetadata.decode(json: readPayload(chunk, at: offset), offset: offset)
    }

    /// The slow path: walks chunk headers from the start, skipping damage.
    func openByScanning() throws(FormatError) {
        openedByScan = true
        let size = source.size
        var offset = Int64(FileHeader.size)
        var previousSequence: UInt32?
        var previousEnd: Int64 = 0
        var lastGood = offset
        var coveredByIndex = Set<Int64>()
        var indexIndicators: [Indicator] = []
        var lastIndexOffset: Int64?
        var entriesAtLastIndex = 0
        lastIndexIsFinal = false
        lastAccepted = nil

        scan: while offset < size {
            let chunk: ChunkHeader
            do {
                chunk = try readHeader(at: offset)
            } catch where error.code == .unsupportedChunk {
                // The header checksum held, so its type and length can be trusted.
                let raw = try source.read(at: offset, count: ChunkHeader.size)
                let type = ChunkType(rawValue: raw[4])
                let end = offset + Int64(ChunkHeader.size) + Int64(raw.withUnsafeBytes { $0.le32(12) })
                if type.isAncillary && end <= size {
                    skippedAncillaryChunks += 1
                    skippedAncillaryOffsets.append(offset)
                    lastAccepted = offset
                    previousSequence = raw.withUnsafeBytes { $0.le32(8) }
                    lastGood = end
                    offset = end
                    continue
                }
                record(FormatError(.unsupportedChunk, error.message + "; reading stops here", offset: offset), at: offset, end: size)
                break scan
            } catch {
                if size - offset < Int64(ChunkHeader.size) || error.code == .truncatedChunk {
                    try endOfData(at: offset, lastGood: lastGood, lastIndexOffset: lastIndexOffset, previousSequence: previousSequence)
                    break scan
                }
                if try isZeroTail(from: offset) {
                    truncation = Truncation(lastGoodOffset: lastGood, tailBytes: size - offset, zeroFilled: true)
                    break scan
                }
                if try trailerAt(offset, lastIndexOffset: lastIndexOffset, previousSequence: previousSequence) { break scan }
                guard let next = try resynchronise(after: offset) else {
                    record(error, at: offset, end: size)
                    break scan
                }
                record(error, at: offset, end: next)
                offset = next
                continue
            }
            let end = chunk.end(at: offset)
            if end > size {
                truncation = Truncation(lastGoodOffset: lastGood, tailBytes: size - offset, zeroFilled: false)
                break scan
            }
            scannedChunks += 1
            let expected = previousSequence.map { $0 &+ 1 } ?? 0
            if chunk.sequence != expected {
                if let previousSequence, chunk.sequence <= previousSequence {
                    record(FormatError(.badSequence, "Chunk \(chunk.sequence) comes after chunk \(previousSequence): a duplicate or reordered chunk, skipped", offset: offset), at: offset, end: end, sequence: chunk.sequence)
                    offset = end
                    continue
                }
                record(FormatError(.badSequence, "The sequence jumps from \(previousSequence.map(String.init) ?? "the start") to \(chunk.sequence): \(chunk.sequence &- expected) chunk(s) are missing", offset: offset), at: offset, end: offset, sequence: chunk.sequence)
            }
            if chunk.startMicros < previousEnd {
                record(FormatError(.badTimestamp, "Chunk \(chunk.sequence) starts at \(chunk.startMicros) µs, before the previous chunk's end at \(previousEnd) µs; skipped", offset: offset), at: offset, end: end, sequence: chunk.sequence)
                offset = end
                continue
            }
            switch chunk.type {
            case .metadata:
                if offset == Int64(FileHeader.size) {
                    do { metadata = try readMetadata() } catch { record(error, at: offset, end: end, sequence: 0) }
                } else {
                    record(FormatError(.malformedPayload, "A second metadata chunk; skipped", offset: offset), at: offset, end: end, sequence: chunk.sequence)
                }
            case .events:
                entries.append(SeekEntry(offset: offset, sequence: chunk.sequence, startMicros: chunk.startMicros, endMicros: chunk.endMicros, eventCount: chunk.itemCount))
            case .index:
                do {
                    guard chunk.startMicros == chunk.endMicros else {
                        throw FormatError(.badIndex, "Index chunk \(chunk.sequence) starts at \(chunk.startMicros) µs but ends at \(chunk.endMicros) µs; an index has one time", offset: offset)
                    }
                    let payload = try readPayload(chunk, at: offset)
                    let index = try payload.withBytes { (raw) throws(FormatError) -> IndexPayload in try IndexPayload.decode(raw, offset: offset) }
                    guard index.entries.count + index.indicators.count == chunk.itemCount else {
                        throw FormatError(.badIndex, "Index chunk \(chunk.sequence) declares \(chunk.itemCount) items but holds \(index.entries.count + index.indicators.count)", offset: offset)
                    }
                    // An index lists exactly the EVENTS chunks found since the previous index
                    // (a final one: all of them). Checked here, not only by a verifier, so
                    // that what a scan keeps of its indexes is bounded by the chunks really
                    // in the file: indexes each listing every chunk before them would
                    // otherwise grow as the square of the file.
                    let expected = entries[(index.isFinal ? 0 : entriesAtLastIndex)...]
                    guard index.entries.elementsEqual(expected) else {
                        throw FormatError(.badIndex, "Index chunk \(chunk.sequence) lists \(index.entries.count) EVENTS chunks that are not the \(expected.count) the file holds \(index.isFinal ? "before it" : "since the previous index")", offset: offset)
                    }
                    entriesAtLastIndex = entries.count
                    indexChunksRead += 1
                    lastIndexOffset = offset
                    lastIndexIsFinal = index.isFinal
                    indexRecords.append(IndexRecord(offset: offset, header: chunk, payload: index))
                    if !index.isFinal {
                        for entry in index.entries { coveredByIndex.insert(entry.offset) }
                        indexIndicators.append(contentsOf: index.indicators)
                    }
                } catch {
                    record(FormatError.from(error), at: offset, end: end, sequence: chunk.sequence)
                }
            default:
                if chunk.type.isAncillary {
                    skippedAncillaryChunks += 1
                    skippedAncillaryOffsets.append(offset)
                } else {
                    record(FormatError(.unsupportedChunk, "Chunk \(chunk.sequence) has critical type \(chunk.type), which this reader does not know; reading stops here", offset: offset), at: offset, end: size, sequence: chunk.sequence)
                    break scan
                }
            }
            previousSequence = chunk.sequence
            previousEnd = max(previousEnd, chunk.endMicros)
            lastAccepted = offset
            lastGood = end
            offset = end
        }
        if offset >= size && trailer == nil && truncation == nil {
            truncation = Truncation(lastGoodOffset: lastGood, tailBytes: 0, zeroFilled: false)
        }
        let cutInsideMetadata = truncation.map { $0.lastGoodOffset == Int64(FileHeader.size) } ?? false
        if metadata == nil && !cutInsideMetadata && !damage.contains(where: { $0.offset == Int64(FileHeader.size) }) {
            record(FormatError(.malformedPayload, "The metadata chunk is missing", offset: Int64(FileHeader.size)), at: Int64(FileHeader.size))
        }
        collectIndicators(covered: coveredByIndex, fromIndexes: indexIndicators)
    }

    /// Indicators from partial indexes, plus those found by decoding chunks no index covers.
    private func collectIndicators(covered: Set<Int64>, fromIndexes: [Indicator]) {
        let known = Set(entries.map(\.offset))
        var list = fromIndexes.filter { known.contains($0.chunkOffset) }
        // A chunk that fails its checks gives no indicators (it is skipped whole when played,
        // and reported then); one that passes gives all of them.
        for entry in entries where !covered.contains(entry.offset) {
            guard let (chunk, payload) = try? readEvents(entry) else { continue }
            // At most `Limits.maxIndicatorsPerChunk` each, or the chunk fails its check.
            var found: [Indicator] = []
            let whole: Int? = try? payload.withUnsafeBytes { raw in
                try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset) { event, detail in
                    found.append(Indicator(timeMicros: event.timeMicros, kind: event.type, chunkOffset: entry.offset, detail: detail))
                }
            }
            if whole != nil { list += found }
        }
        indicators = list.sorted { ($0.timeMicros, $0.chunkOffset) < ($1.timeMicros, $1.chunkOffset) }
    }

    /// Handles the end of the chunk stream when fewer than a header's bytes remain.
    private func endOfData(at offset: Int64, lastGood: Int64, lastIndexOffset: Int64?, previousSequence: UInt32?) throws(FormatError) {
        let size = source.size
        if try trailerAt(offset, lastIndexOffset: lastIndexOffset, previousSequence: previousSequence) { return }
        truncation = Truncation(lastGoodOffset: lastGood, tailBytes: size - offset, zeroFilled: try isZeroTail(from: offset))
    }

    /// True (and the trailer or its damage recorded) when a trailer starts at `offset`.
    private func trailerAt(_ offset: Int64, lastIndexOffset: Int64?, previousSequence: UInt32?) throws(FormatError) -> Bool {
        let size = source.size
        let bytes = try source.read(at: offset, count: Trailer.size)
        guard bytes.starts(with: Trailer.prefix) else { return false }
        guard bytes.count == Trailer.size else {
            // A trailer cut short: the writer stopped while closing.
            truncation = Truncation(lastGoodOffset: offset, tailBytes: size - offset, zeroFilled: false)
            return true
        }
        guard let found = bytes.withUnsafeBytes({ Trailer.decode($0, salt: header.salt) }) else {
            record(FormatError(.badTrailer, "The trailer fails its checksum", offset: offset), at: offset, end: offset + Int64(Trailer.size))
            return true
        }
        // The final index is the last chunk: nothing may come between it and the trailer.
        if found.indexOffset != lastIndexOffset || lastIndexOffset != lastAccepted || found.indexSequence != previousSequence || !lastIndexIsFinal {
            record(FormatError(.badTrailer, "The trailer points at index chunk \(found.indexSequence) at byte \(found.indexOffset), which is not a final index chunk just before the trailer", offset: offset), at: offset, end: offset + Int64(Trailer.size))
        }
        if offset + Int64(Trailer.size) < size {
            record(FormatError(.badTrailer, "\(size - offset - Int64(Trailer.size)) bytes follow the trailer", offset: offset + Int64(Trailer.size)), at: offset + Int64(Trailer.size), end: size)
        }
        trailer = found
        return true
    }

    /// True when every byte from `offset` to the end is zero.
    func isZeroTail(from offset: Int64) throws(FormatError) -> Bool {
        var position = offset
        while position < source.size {
            let block = try source.read(at: position, count: 1 << 16)
            if block.isEmpty { break }
            if block.contains(where: { $0 != 0 }) { return false }
            position += Int64(block.count)
        }
        return true
    }

    /// The offset of the next valid chunk header (or trailer) after `offset`, if any.
    func resynchronise(after offset: Int64) throws(FormatError) -> Int64? {
        let blockSize = 1 << 16
        var position = offset + 1
        while position < source.size {
            let block = try source.read(at: position, count: blockSize + ChunkHeader.size)
            if block.count < 4 { return nil }
            let limit = min(blockSize, block.count - 3)
            var i = 0
            while i < limit {
                let b = block[i]
                if b == 0xF5, block[i + 1] == 0x50, block[i + 2] == 0x43, block[i + 3] == 0x4B {
                    let candidate = position + Int64(i)
                    if (try? readHeader(at: candidate)) != nil { return candidate }
                } else if b == 0x50, block.count - i >= Trailer.prefix.count, block[i..<(i + Trailer.prefix.count)].elementsEqual(Trailer.prefix) {
                    let candidate = position + Int64(i)
                    let bytes = try source.read(at: candidate, count: Trailer.size)
                    if bytes.withUnsafeBytes({ Trailer.decode($0, salt: header.salt) }) != nil { return candidate }
                }
                i += 1
            }
            position += Int64(limit)
        }
        return nil
    }
}
