/// Writes a new, complete file from every chunk of a damaged or truncated one that passes
/// its checks (`Spec/format.md#repair`).
///
/// Events are copied in order through a fresh `RecordingWriter` (new salt, fresh indexes
/// and trailer). Wherever damage was skipped, a `gap` event records the session time and
/// the byte range of the input that were lost. The input is only read.
public enum Repairer {
    /// What a repair kept and lost.
    public struct Report: Sendable {
        /// Events copied.
        public var events = 0
        /// EVENTS chunks of the input that were copied.
        public var chunksKept = 0
        /// EVENTS chunks of the input that failed their checks.
        public var chunksLost = 0
        /// Gap events written.
        public var gaps: [Gap] = []
        /// True when the input's metadata was unreadable and placeholder metadata was written.
        public var metadataLost = false
        /// Status of the input as the reader saw it.
        public var inputStatus: RecordingReader.Status = .complete
    }

    /// Repairs `source` into `sink`.
    /// - Throws: `FormatError` when the input is not a psrec file at all, or writing fails.
    public static func repair(_ source: any ByteSource, into sink: any ChunkSink, options: WriterOptions = WriterOptions()) throws(FormatError) -> Report {
        let reader = try RecordingReader(source: source, scan: true)
        var report = Report()
        var metadata: RecordingMetadata
        if let found = reader.metadata {
            metadata = found
        } else {
            metadata = RecordingMetadata(startUnixMicros: 0)
            report.metadataLost = true
        }
        metadata.extra["repaired"] = "true"
        let writer = try RecordingWriter(sink: sink, metadata: metadata, options: options)

        var damage = reader.damage.sorted { $0.offset < $1.offset }[...]
        var lastTime: Int64 = 0
        var lossFrom: Int64?
        var lossTo: Int64 = 0
        var lossUntilMicros: Int64 = 0

        func noteLoss(_ from: Int64, _ to: Int64, untilMicros: Int64 = 0) {
            if lossFrom == nil { lossFrom = from }
            lossTo = max(lossTo, to)
            lossUntilMicros = max(lossUntilMicros, untilMicros)
        }
        func writeGap(before nextStart: Int64?) throws(FormatError) {
            guard let from = lossFrom else { return }
            let gap = Gap(fromMicros: lastTime, toMicros: max(lastTime, nextStart ?? lossUntilMicros), fromOffset: from, toOffset: max(from, lossTo))
            try writer.append(.gap(gap), atMicros: lastTime)
            report.gaps.append(gap)
            lossFrom = nil
            lossTo = 0
            lossUntilMicros = 0
        }

        for entry in reader.entries {
            while let d = damage.first, d.offset < entry.offset {
                noteLoss(d.offset, d.endOffset ?? d.offset)
                damage.removeFirst()
            }
            // Checked whole first, then copied event by event: no list of a chunk's events is
            // built, however many it declares.
            let chunk: ChunkHeader, payload: [UInt8]
            var count = 0, firstTime: Int64 = 0
            do {
                (chunk, payload) = try reader.readEvents(entry)
                try payload.withUnsafeBytes { raw in
                    count = try EventsPayload.checkWhole(raw, header: chunk, offset: entry.offset)
                    var cursor = try EventCursor(checked: raw, header: chunk, offset: entry.offset)
                    firstTime = cursor.next(in: raw)?.timeMicros ?? 0
                }
            } catch {
                report.chunksLost += 1
                let end = (try? reader.readHeader(at: entry.offset)).map { $0.end(at: entry.offset) } ?? entry.offset + Int64(ChunkHeader.size)
                noteLoss(entry.offset, end, untilMicros: entry.endMicros)
                continue
            }
            guard count > 0, firstTime >= lastTime else {
                if count == 0 { report.chunksKept += 1 } else { report.chunksLost += 1; noteLoss(entry.offset, entry.offset) }
                continue
            }
            try writeGap(before: firstTime)
            do {
                try payload.withUnsafeBytes { raw in
                    // The chunk passed its checks: only the writer can throw here.
                    try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { e in
                        try writer.append(try e.decoded(), atMicros: e.timeMicros)
                    }
                }
            } catch {
                throw FormatError.from(error)
            }
            lastTime = chunk.endMicros
            report.events += count
            report.chunksKept += 1
        }
        for d in damage where d.error.code != .badTrailer { noteLoss(d.offset, d.endOffset ?? d.offset) }
        try writeGap(before: nil)
        try writer.close(endMicros: lastTime)
        report.inputStatus = report.chunksLost > 0 ? .corrupt : reader.status
        return report
    }
}
