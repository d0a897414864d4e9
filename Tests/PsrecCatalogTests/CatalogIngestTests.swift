import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// A psrec file cut as a capture host streams it: the head (file header and META chunk),
/// each chunk at its offset, then the trailer.
struct StreamedFile {
    let bytes: [UInt8]
    let id: UUID
    let head: [UInt8]
    let chunks: [(offset: Int64, bytes: [UInt8])]
    let trailer: [UInt8]
    var trailerOffset: Int64 { Int64(bytes.count - Trailer.size) }
    var salt: UInt64 { UInt64(bytes[16..<24].reversed().reduce(0) { $0 << 8 | UInt64($1) }) }

    init(_ bytes: [UInt8], id: UUID) {
        self.bytes = bytes
        self.id = id
        func le32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let metaEnd = FileHeader.size + ChunkHeader.size + le32(FileHeader.size + 12)
        head = Array(bytes[0..<metaEnd])
        var chunks: [(Int64, [UInt8])] = []
        var offset = metaEnd
        while offset < bytes.count - Trailer.size {
            let end = offset + ChunkHeader.size + le32(offset + 12)
            chunks.append((Int64(offset), Array(bytes[offset..<end])))
            offset = end
        }
        self.chunks = chunks
        trailer = Array(bytes[(bytes.count - Trailer.size)...])
    }

    /// Offsets of the chunks of `type`.
    func chunks(of type: ChunkType) -> [Int] { chunks.indices.filter { chunks[$0].bytes[4] == type.rawValue } }

    /// A recording with a chunk per second, a partial index every three EVENTS chunks,
    /// output text and indicators.
    static func make(id: UUID = UUID(), user: String = "alice", seconds: Int = 14, bigOutput: Int = 0) throws -> StreamedFile {
        let sink = MemorySink()
        let meta = RecordingMetadata(recordingID: id, sessionProtocol: .ssh, startUnixMicros: 1_700_000_000_000_000, user: user,
                                     application: "db-prod", host: "web1")
        var options = WriterOptions(codec: .zstd)
        options.indexEveryChunks = 3
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: options)
        for second in 0..<seconds {
            let t = Int64(second) * 1_000_000
            try writer.output(Array("$ echo streamed line \(second)\r\n".utf8), atMicros: t)
            if second % 4 == 1 { try writer.append(.marker("mark \(second)"), atMicros: t + 500) }
            if second % 5 == 2 { try writer.append(.command("ls -l /srv/\(second)"), atMicros: t + 700) }
        }
        if bigOutput > 0 {
            var generator = SystemRandomNumberGenerator()
            try writer.output((0..<bigOutput).map { _ in UInt8.random(in: 0x20...0x7e, using: &generator) }, atMicros: Int64(seconds) * 1_000_000)
        }
        try writer.close()
        return StreamedFile(sink.bytes, id: id)
    }
}

/// One chunk encoded with `salt`: a header made for `payload` (stored as is, codec none).
func encodedChunk(type: ChunkType, sequence: UInt32, payload: [UInt8], itemCount: Int, startMicros: Int64, endMicros: Int64, salt: UInt64) -> [UInt8] {
    let crc = payload.withUnsafeBytes { Checksum.salted($0, salt: salt) }
    let header = ChunkHeader(type: type, codec: .none, sequence: sequence, storedLength: payload.count, decodedLength: payload.count,
                             itemCount: itemCount, startMicros: startMicros, endMicros: endMicros, payloadCRC: crc)
    var writer = ByteWriter()
    header.encode(into: &writer, salt: salt)
    return writer.bytes + payload
}

/// The catalog's row of a recording, by column.
func recordingRow(_ catalog: Catalog, _ id: UUID) throws -> SQLRow {
    try #require(try catalog.read { db in try SQLRow.fetchOne(db, sql: "SELECT * FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()]) })
}

func storedSize(_ catalog: Catalog, _ id: UUID) throws -> Int64 {
    try catalog.read { db in
        try Int64.fetchOne(db, sql: "SELECT coalesce(sum(length(c.bytes)), 0) FROM chunks c JOIN recordings r ON r.id = c.recording_id WHERE r.uuid = ?",
                           arguments: [id.uuidString.lowercased()]) ?? 0
    }
}

/// Expects `body` to throw a `CatalogError` with `code`, and returns its message.
@discardableResult
func refusal(_ code: CatalogError.Code, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as CatalogError {
        #expect(error.code == code, "\(error.code): \(error.message)", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}

@Suite("live ingest: a recording stored chunk by chunk")
struct CatalogIngestTests {
    @Test("begin, every chunk, finish: the catalog holds the file byte for byte, with what an import of it gives", arguments: Engine.allCases)
    func roundTrip(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        #expect(file.chunks(of: .index).count >= 3, "the file should hold partial indexes and a final one")
        let catalog = try ws.catalog()
        var position = try catalog.beginIngest(host: "cap1", head: file.head, actor: "server")
        #expect(position == IngestPosition(recordingID: file.id, committedBytes: Int64(file.head.count), nextSequence: 1, complete: false))
        for (n, chunk) in file.chunks.enumerated() {
            #expect(position.committedBytes == chunk.offset)
            position = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
            #expect(position.nextSequence == UInt32(n + 2))
            if n == file.chunks.count / 2 {
                // Midway the stored bytes are a valid truncated file and the recording is live.
                let midway = try catalog.recording(file.id.uuidString)
                #expect(midway.state == .live && midway.status == .truncated)
                let verdict = Validator.verify(MemorySource(try exported(catalog, midway)))
                #expect(verdict.status == .truncated, "\(verdict.problems)")
                #expect(try recordingRow(catalog, file.id)["indicator_count"] as Int > 0)
            }
        }
        position = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        #expect(position == IngestPosition(recordingID: file.id, committedBytes: Int64(file.bytes.count), nextSequence: UInt32(file.chunks.count + 1), complete: true))

        let streamed = try catalog.recording(file.id.uuidString)
        #expect(try exported(catalog, streamed) == file.bytes)

        let other = try Workspace(engine)
        try write(file.bytes, to: other.path("r.psrec"))
        let importing = try other.catalog()
        #expect(try importing.importRecording(path: other.path("r.psrec"), actor: "test").kind == .added)
        let imported = try importing.recording(file.id.uuidString)
        #expect(streamed.state == .complete && streamed.status == .complete)
        #expect(streamed.sha256 == imported.sha256 && !streamed.sha256.isEmpty)
        #expect(streamed.fileBytes == imported.fileBytes && streamed.durationMicros == imported.durationMicros)
        #expect(streamed.indicatorCount == imported.indicatorCount && streamed.indicatorCount > 0)
        #expect(streamed.textPending == false)
        let a = try recordingRow(catalog, file.id), b = try recordingRow(importing, file.id)
        for column in ["chunk_count", "event_count", "text_bytes", "end_us", "start_us", "metadata_json", "owner", "user", "application"] {
            #expect(a.value(column) == b.value(column), "\(column)")
        }
        #expect(a["ingest_state"] as String? == nil && a["ingest_host"] as String? == "cap1")
        func derived(_ c: Catalog) throws -> [String] {
            try c.read { db in
                try String.fetchAll(db, sql: "SELECT i.time_us || ' ' || i.kind || ' ' || i.detail FROM indicators i ORDER BY i.time_us, i.kind")
                    + String.fetchAll(db, sql: "SELECT time_us || ' ' || text_length FROM terminal_text ORDER BY time_us")
                    + String.fetchAll(db, sql: "SELECT file_offset || ' ' || kind || ' ' || coalesce(CAST(sequence AS TEXT), '-') FROM chunks ORDER BY file_offset")
            }
        }
        #expect(try derived(catalog) == derived(importing))
        #expect(try catalog.search({ var q = RecordingQuery(); q.text = "streamed line 7"; return q }(), as: admin).map(\.uuid) == [streamed.uuid])
        let audit = try catalog.read { db in try String.fetchAll(db, sql: "SELECT detail FROM audit_log WHERE action = 'ingest' ORDER BY id") }
        #expect(audit.first == "started by capture host cap1" && audit.last?.hasPrefix("completed by capture host cap1") == true, "\(audit)")

        // Finishing again with the same trailer is an answer, not a change.
        #expect(try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer) == position)
        var other80 = file.trailer
        other80[20] ^= 1
        refusal(.conflict) { _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: other80) }
        refusal(.ingestComplete) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: Int64(file.bytes.count), chunk: file.chunks[0].bytes) }
        #expect(try storedSize(catalog, file.id) == Int64(file.bytes.count))
    }

    @Test("begin again midway: the position where the catalog stopped, and the stream goes on from there", arguments: Engine.allCases)
    func resume(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try ws.catalog()
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "server")
        let half = file.chunks.count / 2
        var last: IngestPosition?
        for chunk in file.chunks[..<half] {
            last = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
        }
        _ = try catalog.markInterrupted(seenBeforeMicros: Int64(Date().timeIntervalSince1970 * 1e6) + 1_000_000)
        let reopened = try Catalog(path: ws.dbPath)
        let again = try reopened.beginIngest(host: "cap1", head: file.head, actor: "server")
        #expect(again == last)
        #expect(again.committedBytes == file.chunks[half].offset && again.nextSequence == UInt32(half + 1))
        #expect(try reopened.recording(file.id.uuidString).state == .live)
        for chunk in file.chunks[half...] {
            _ = try reopened.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
        }
        _ = try reopened.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        #expect(try exported(reopened, reopened.recording(file.id.uuidString)) == file.bytes)
        let done = try reopened.beginIngest(host: "cap1", head: file.head, actor: "server")
        #expect(done.complete && done.committedBytes == Int64(file.bytes.count))
        #expect(try reopened.recording(file.id.uuidString).state == .complete)
    }

    @Test("Chunks stored together (group commit): one transaction; a bad chunk among them keeps those before it and nothing after", arguments: Engine.allCases)
    func groupCommit(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try ws.catalog()
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "server")
        // The first five together.
        let (positions, firstRefusal) = try catalog.appendIngest(host: "cap1", recordingID: file.id, chunks: Array(file.chunks[0..<5]))
        #expect(firstRefusal == nil)
        #expect(positions.map(\.committedBytes) == file.chunks[0..<5].map { $0.offset + Int64($0.bytes.count) })
        #expect(positions.map(\.nextSequence) == (2...6).map { UInt32($0) })
        // The next three, the second of them with a flipped payload byte.
        var batch = Array(file.chunks[5..<8])
        batch[1].bytes[batch[1].bytes.count - 1] ^= 1
        let (kept, bad) = try catalog.appendIngest(host: "cap1", recordingID: file.id, chunks: batch)
        #expect(kept.count == 1)
        #expect(bad?.code == .ingestBadChunk)
        #expect(try storedSize(catalog, file.id) == file.chunks[6].offset)
        // A batch whose first chunk is refused throws, as a single chunk does.
        refusal(.ingestOutOfOrder) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, chunks: Array(file.chunks[7...])) }
        // The rest, together, then the trailer: the file byte for byte.
        let (rest, none) = try catalog.appendIngest(host: "cap1", recordingID: file.id, chunks: Array(file.chunks[6...]))
        #expect(none == nil && rest.count == file.chunks.count - 6)
        _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        #expect(try exported(catalog, catalog.recording(file.id.uuidString)) == file.bytes)
    }

    @Test("batches of several recordings and hosts in one transaction: each stored or refused on its own, a refusal audited", arguments: Engine.allCases)
    func batchesOfManyRecordings(engine: Engine) throws {
        let ws = try Workspace(engine)
        let a = try StreamedFile.make(user: "a"), b = try StreamedFile.make(user: "b"), c = try StreamedFile.make(user: "c")
        let catalog = try ws.catalog()
        _ = try catalog.beginIngest(host: "cap1", head: a.head, actor: "server")
        _ = try catalog.beginIngest(host: "cap2", head: b.head, actor: "server")
        _ = try catalog.beginIngest(host: "cap1", head: c.head, actor: "server")
        var damaged = Array(c.chunks[0..<3])
        damaged[2].bytes[damaged[2].bytes.count - 1] ^= 1
        let results = try catalog.appendIngest([
            catalog.prepareIngest(host: "cap1", recordingID: a.id, chunks: Array(a.chunks[0..<4])),
            // cap1 writing to cap2's recording: refused and audited, the others stored.
            catalog.prepareIngest(host: "cap1", recordingID: b.id, chunks: Array(b.chunks[0..<2])),
            catalog.prepareIngest(host: "cap2", recordingID: b.id, chunks: Array(b.chunks[0..<2])),
            // Its third chunk damaged: the first two kept.
            catalog.prepareIngest(host: "cap1", recordingID: c.id, chunks: damaged),
            // Out of order behind the batch before it in the same transaction.
            catalog.prepareIngest(host: "cap1", recordingID: a.id, chunks: [a.chunks[5]]),
            // Right after the first batch of a: sees what it stored.
            catalog.prepareIngest(host: "cap1", recordingID: a.id, chunks: [a.chunks[4]]),
        ])
        #expect(try results[0].get().positions.count == 4)
        #expect(results[1].failure?.code == .ingestNotYours)
        #expect(try results[2].get().positions.count == 2)
        let third = try results[3].get()
        #expect(third.positions.count == 2 && third.refusal?.code == .ingestBadChunk)
        #expect(results[4].failure?.code == .ingestOutOfOrder)
        #expect(try results[5].get().positions.count == 1)
        #expect(try storedSize(catalog, a.id) == a.chunks[5].offset)
        #expect(try storedSize(catalog, b.id) == b.chunks[2].offset)
        #expect(try storedSize(catalog, c.id) == c.chunks[2].offset)
        let refused = try catalog.read { db in try String.fetchAll(db, sql: "SELECT actor || ': ' || detail FROM audit_log WHERE action = 'ingest refused'") }
        #expect(refused.count == 1 && refused[0].hasPrefix("host:cap1: capture host cap1 refused"))
        // The rest of each, then their trailers: each file byte for byte.
        for (file, host, from) in [(a, "cap1", 5), (b, "cap2", 2), (c, "cap1", 2)] {
            _ = try catalog.appendIngest(host: host, recordingID: file.id, chunks: Array(file.chunks[from...]))
            _ = try catalog.finishIngest(host: host, recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
            #expect(try exported(catalog, catalog.recording(file.id.uuidString)) == file.bytes)
        }
    }

    /// A catalog holding `file`'s head and its first `count` chunks.
    func partly(_ file: StreamedFile, _ count: Int, in ws: Workspace) throws -> Catalog {
        let catalog = try ws.catalog()
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "server")
        for chunk in file.chunks[..<count] {
            _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
        }
        return catalog
    }

    @Test("refused chunks store nothing: wrong host, wrong offset, duplicate, flipped byte, another file's chunk, a second META", arguments: Engine.allCases)
    func refusedChunks(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try partly(file, 4, in: ws)
        let next = file.chunks[4]
        let before = try storedSize(catalog, file.id)
        let rowBefore = try recordingRow(catalog, file.id)
        #expect(before == next.offset)

        let notYours = refusal(.ingestNotYours) { _ = try catalog.appendIngest(host: "cap2", recordingID: file.id, offset: next.offset, chunk: next.bytes) }
        #expect(notYours.contains("cap2") && notYours.contains("another capture host"))
        let logged = try catalog.read { db in try String.fetchAll(db, sql: "SELECT actor || ': ' || detail FROM audit_log WHERE action = 'ingest refused'") }
        #expect(logged == ["host:cap2: capture host cap2 refused: another capture host streams it"])
        refusal(.ingestNotYours) { _ = try catalog.beginIngest(host: "cap2", head: file.head, actor: "server") }

        let outOfOrder = refusal(.ingestOutOfOrder) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset + 1, chunk: next.bytes) }
        #expect(outOfOrder.contains("ends at byte \(next.offset)"), "\(outOfOrder)")
        refusal(.ingestOutOfOrder) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: file.chunks[3].offset, chunk: file.chunks[3].bytes) }
        let duplicate = refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: file.chunks[3].bytes) }
        #expect(duplicate.contains("sequence"), "\(duplicate)")

        var flipped = next.bytes
        flipped[flipped.count - 1] ^= 0x01
        let crc = refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: flipped) }
        #expect(crc.contains("checksum"), "\(crc)")

        // The same recording written again has another salt: its chunk 5 is refused here.
        let twin = try StreamedFile.make(id: file.id)
        #expect(twin.salt != file.salt)
        refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: twin.chunks[4].bytes) }
        refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: []) }
        refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: next.bytes + [0]) }
        refusal(.notFound) { _ = try catalog.appendIngest(host: "cap1", recordingID: UUID(), offset: next.offset, chunk: next.bytes) }

        #expect(try storedSize(catalog, file.id) == before)
        let rowAfter = try recordingRow(catalog, file.id)
        for column in ["file_size", "chunk_count", "event_count", "indicator_count", "ingest_next_sequence", "ingest_end_us", "duration_us"] {
            #expect(rowAfter.value(column) == rowBefore.value(column), "\(column)")
        }
        // And the right chunk still goes in.
        _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: next.offset, chunk: next.bytes)
    }

    @Test("a second META chunk is refused even where its sequence and time fit", arguments: Engine.allCases)
    func secondMetadata(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try partly(file, 0, in: ws)
        let meta = Array(file.head[FileHeader.size...])
        let header = try meta.withUnsafeBytes { try ChunkHeader.decode(UnsafeRawBufferPointer(rebasing: $0[0..<ChunkHeader.size]), salt: file.salt, offset: 32) }
        var copy = header
        copy.sequence = 1
        var writer = ByteWriter()
        copy.encode(into: &writer, salt: file.salt)
        let second = writer.bytes + meta[ChunkHeader.size...]
        let message = refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: Int64(file.head.count), chunk: second) }
        #expect(message.contains("second metadata chunk"), "\(message)")
        #expect(try storedSize(catalog, file.id) == Int64(file.head.count))
    }

    @Test("an INDEX chunk that lies about the stored EVENTS chunks is refused", arguments: ["event count", "missing entry", "extra entry", "previous", "final"])
    func lyingIndex(lie: String) throws {
        let ws = try Workspace()
        let file = try StreamedFile.make()
        let indexes = file.chunks(of: .index)
        // The second partial index: it has a previous one to point at.
        let at = indexes[1]
        let catalog = try partly(file, at, in: ws)
        let truth = file.chunks[at]
        let header = try truth.bytes.withUnsafeBytes { try ChunkHeader.decode(UnsafeRawBufferPointer(rebasing: $0[0..<ChunkHeader.size]), salt: file.salt, offset: truth.offset) }
        let reader = try RecordingReader(source: MemorySource(file.bytes))
        let events = reader.entries.filter { $0.offset > file.chunks[indexes[0]].offset && $0.offset < truth.offset }
        #expect(events.count == 3)
        var entries = events
        var previous: Int64? = file.chunks[indexes[0]].offset
        var final = false
        switch lie {
        case "event count": entries[1].eventCount += 1
        case "missing entry": entries.removeLast()
        case "extra entry": entries.insert(reader.entries[0], at: 0)
        case "previous": previous = nil
        default: final = true
        }
        let payload = IndexPayload(isFinal: final, previousIndexOffset: previous, entries: entries, indicators: []).encoded()
        let lying = encodedChunk(type: .index, sequence: header.sequence, payload: payload, itemCount: entries.count,
                                 startMicros: header.startMicros, endMicros: header.endMicros, salt: file.salt)
        // The honest payload re-encoded the same way passes: only the lie is refused.
        let honestEvents = events
        let honest = encodedChunk(type: .index, sequence: header.sequence,
                                  payload: IndexPayload(isFinal: false, previousIndexOffset: file.chunks[indexes[0]].offset, entries: honestEvents, indicators: []).encoded(),
                                  itemCount: honestEvents.count, startMicros: header.startMicros, endMicros: header.endMicros, salt: file.salt)
        let before = try storedSize(catalog, file.id)
        let message = refusal(.ingestBadChunk) { _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: truth.offset, chunk: lying) }
        #expect(message.contains("ndex chunk \(header.sequence)"), "\(message)")
        #expect(try storedSize(catalog, file.id) == before)
        let position = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: truth.offset, chunk: honest)
        #expect(position.committedBytes == truth.offset + Int64(honest.count))
    }

    @Test("a head that differs from the stored one is a conflict; an imported recording is not a host's", arguments: Engine.allCases)
    func heads(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try partly(file, 2, in: ws)
        let twin = try StreamedFile.make(id: file.id, user: "bob")
        refusal(.conflict) { _ = try catalog.beginIngest(host: "cap1", head: twin.head, actor: "server") }
        #expect(try storedSize(catalog, file.id) == file.chunks[2].offset)
        // Importing a copy of a recording being streamed is skipped: the stream goes on.
        try write(file.bytes, to: ws.path("copy.psrec"))
        let copy = try catalog.importRecording(path: ws.path("copy.psrec"), actor: "test")
        #expect(copy.kind == .skipped && copy.reason?.contains("capture host cap1 is streaming") == true, "\(copy)")
        #expect(try storedSize(catalog, file.id) == file.chunks[2].offset)
        refusal(.ingestBadChunk) { _ = try catalog.beginIngest(host: "cap1", head: Array(file.head.dropLast()), actor: "server") }
        refusal(.ingestBadChunk) { _ = try catalog.beginIngest(host: "cap1", head: file.head + [0], actor: "server") }
        refusal(.ingestBadChunk) { _ = try catalog.beginIngest(host: "cap1", head: Array(file.head.prefix(40)), actor: "server") }

        let vnc = StreamedFile(try recordingBytes(sessionProtocol: "vnc"), id: UUID())
        let protocolMessage = refusal(.unknownProtocol) { _ = try catalog.beginIngest(host: "cap1", head: vnc.head, actor: "server") }
        #expect(protocolMessage.contains("'vnc'"), "\(protocolMessage)")
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM recordings") } == 1)

        let imported = try StreamedFile.make()
        try write(imported.bytes, to: ws.path("i.psrec"))
        _ = try catalog.importRecording(path: ws.path("i.psrec"), actor: "test")
        let message = refusal(.ingestNotYours) { _ = try catalog.beginIngest(host: "cap1", head: imported.head, actor: "server") }
        #expect(message.contains("imported from a file"))
        refusal(.ingestNotYours) { _ = try catalog.appendIngest(host: "cap1", recordingID: imported.id, offset: Int64(imported.bytes.count), chunk: imported.chunks[0].bytes) }
        #expect(try storedSize(catalog, imported.id) == Int64(imported.bytes.count))
    }

    @Test("a trailer that does not make the file complete is refused and nothing is stored", arguments: Engine.allCases)
    func badTrailers(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        // All but the final index: the trailer names a chunk that is not there.
        let catalog = try partly(file, file.chunks.count - 1, in: ws)
        let end = file.chunks.last!.offset
        refusal(.ingestBadChunk) { _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: end, trailer: file.trailer) }
        #expect(try storedSize(catalog, file.id) == end)
        #expect(try catalog.recording(file.id.uuidString).status == .truncated)
        _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: end, chunk: file.chunks.last!.bytes)
        var flipped = file.trailer
        flipped[75] = flipped[75] == 0x30 ? 0x31 : 0x30
        refusal(.ingestBadChunk) { _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: flipped) }
        refusal(.ingestBadChunk) { _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: Array(file.trailer.dropLast())) }
        refusal(.ingestOutOfOrder) { _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset - 1, trailer: file.trailer) }
        #expect(try storedSize(catalog, file.id) == file.trailerOffset)
        #expect(try recordingRow(catalog, file.id)["sha256"] as String == "")
        _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        #expect(try catalog.recording(file.id.uuidString).status == .complete)
    }

    @Test("markInterrupted marks the live recordings nothing reached lately; search --status tells live, interrupted and complete apart", arguments: Engine.allCases)
    func interrupted(engine: Engine) throws {
        let ws = try Workspace(engine)
        let streaming = try StreamedFile.make()
        let catalog = try partly(streaming, 2, in: ws)
        let done = try StreamedFile.make()
        try write(done.bytes, to: ws.path("done.psrec"))
        _ = try catalog.importRecording(path: ws.path("done.psrec"), actor: "test")
        func found(_ state: RecordingState) throws -> [String] {
            var q = RecordingQuery()
            q.status = state
            return try catalog.search(q, as: admin).map(\.uuid)
        }
        let id = streaming.id.uuidString.lowercased()
        #expect(try found(.live) == [id] && found(.interrupted).isEmpty && found(.complete) == [done.id.uuidString.lowercased()])
        #expect(try found(.truncated).isEmpty)
        #expect(try catalog.markInterrupted(seenBeforeMicros: 0) == 0)
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        #expect(try catalog.markInterrupted(seenBeforeMicros: now + 1_000_000) == 1)
        #expect(try found(.interrupted) == [id] && found(.live).isEmpty)
        #expect(try catalog.markInterrupted(seenBeforeMicros: now + 1_000_000) == 0)
        _ = try catalog.appendIngest(host: "cap1", recordingID: streaming.id, offset: streaming.chunks[2].offset, chunk: streaming.chunks[2].bytes)
        #expect(try found(.live) == [id] && found(.interrupted).isEmpty)
    }

    @Test("text indexed while the recording streams is dropped at the next chunk, and the finished text is an import's", arguments: Engine.allCases)
    func textIndexedMidway(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let catalog = try partly(file, 6, in: ws)
        let pending = try catalog.textPendingRecordings()
        #expect(pending.map(\.uuid) == [file.id.uuidString.lowercased()])
        #expect(try catalog.indexText(of: pending[0], actor: "test").indexed)
        func textRows() throws -> Int { try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text") ?? -1 } }
        #expect(try textRows() > 0 && recordingRow(catalog, file.id)["text_pending"] as Bool == false)
        _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: file.chunks[6].offset, chunk: file.chunks[6].bytes)
        #expect(try textRows() == 0 && recordingRow(catalog, file.id)["text_pending"] as Bool == true)
        for chunk in file.chunks[7...] {
            _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
        }
        _ = try catalog.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        let other = try Workspace(engine)
        try write(file.bytes, to: other.path("r.psrec"))
        let importing = try other.catalog()
        _ = try importing.importRecording(path: other.path("r.psrec"), actor: "test")
        func text(_ c: Catalog) throws -> [String] {
            try c.read { db in try String.fetchAll(db, sql: "SELECT time_us || ' ' || text_length FROM terminal_text ORDER BY id") }
        }
        #expect(try text(catalog) == text(importing) && !text(importing).isEmpty)
        #expect(try catalog.search({ var q = RecordingQuery(); q.text = "streamed line 3"; return q }(), as: admin).count == 1)
    }

    @Test("a full disk is storageFull, and the chunk is not half stored")
    func storageFull() throws {
        let ws = try Workspace()
        let file = try StreamedFile.make(seconds: 3, bigOutput: 300_000)
        let big = try #require(file.chunks.firstIndex { $0.bytes.count > 200_000 })
        let catalog = try partly(file, big, in: ws)
        try catalog.database.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages + 1)")
        }
        let before = try storedSize(catalog, file.id)
        let message = refusal(.storageFull) {
            _ = try catalog.appendIngest(host: "cap1", recordingID: file.id, offset: file.chunks[big].offset, chunk: file.chunks[big].bytes)
        }
        #expect(message.contains("full") && message.hasSuffix("."), "\(message)")
        #expect(try storedSize(catalog, file.id) == before)
    }
}

@Suite("live ingest from two connections at once")
struct CatalogIngestRaceTests {
    @Test("two connections sending the same chunks: each chunk is stored once, the other is told where the recording ends", arguments: Engine.allCases)
    func sameChunksTwice(engine: Engine) throws {
        let ws = try Workspace(engine)
        let file = try StreamedFile.make()
        let first = try ws.catalog()
        let second = try Catalog(path: ws.dbPath)
        _ = try first.beginIngest(host: "cap1", head: file.head, actor: "server")
        let outcomes = Outcomes()
        for chunk in file.chunks {
            let group = DispatchGroup()
            let ready = DispatchSemaphore(value: 0), go = DispatchSemaphore(value: 0)
            for catalog in [first, second] {
                let sendable = UncheckedCatalog(catalog: catalog)
                DispatchQueue.global().async(group: group) {
                    ready.signal()
                    go.wait()
                    do {
                        _ = try sendable.catalog.appendIngest(host: "cap1", recordingID: file.id, offset: chunk.offset, chunk: chunk.bytes)
                        outcomes.add("stored")
                    } catch let error as CatalogError {
                        outcomes.add(error.code.rawValue)
                    } catch {
                        outcomes.add("\(error)")
                    }
                }
            }
            ready.wait()
            ready.wait()
            go.signal()
            go.signal()
            group.wait()
        }
        let counts = outcomes.counts()
        #expect(counts == ["stored": file.chunks.count, CatalogError.Code.ingestOutOfOrder.rawValue: file.chunks.count], "\(counts)")
        _ = try second.finishIngest(host: "cap1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer)
        #expect(try exported(first, first.recording(file.id.uuidString)) == file.bytes)
    }

    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [String: Int] = [:]
        func add(_ outcome: String) { lock.withLock { all[outcome, default: 0] += 1 } }
        func counts() -> [String: Int] { lock.withLock { all } }
    }

    /// Each catalog is used by one thread at a time here (its own queue serialises it).
    struct UncheckedCatalog: @unchecked Sendable { let catalog: Catalog }
}

extension Result {
    /// The error, or nil on success.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
