import Foundation
import PsrecCatalog
@testable import PsrecFormat
import PsrecTestSupport
import Testing

/// A tiny valid file can declare a huge amount of content: zstd turns a few kilobytes into
/// chunks of millions of one-byte markers, or hundreds of megabytes of output. Import must
/// take memory in proportion to what it stores, and store no more than the documented
/// per-recording bounds.
@Suite("Import bounds", .serialized)
struct ImportBoundsTests {
    static let meta = RecordingMetadata(sessionProtocol: .ssh, startUnixMicros: 1_700_000_000_000_000, user: "mallory", application: "db-prod")

    /// A valid, complete recording of `chunks` EVENTS chunks of `markersPerChunk` markers
    /// each (labelled "m", all at time 0), every marker in the index too. The writer's API
    /// closes a chunk at every indicator, so the chunks are put together here from the
    /// pieces the writer uses.
    static func markerBomb(markersPerChunk: Int, chunks: Int) throws -> [UInt8] {
        let sink = MemorySink()
        var options = WriterOptions(codec: .zstd, level: 19)
        options.indexEveryChunks = 1 << 20
        let salt: UInt64 = 0x5EED_5EED
        let output = ChunkOutput(sink: sink, salt: salt, options: options)
        var head = FileHeader(salt: salt, minor: 1).encoded()
        try output.appendChunk(type: .metadata, payload: try meta.encodedJSON(), itemCount: 0, start: 0, end: 0, into: &head)
        try sink.append(head)
        var builder = EventsBuilder(layout: .columnar)
        for _ in 0..<markersPerChunk { builder.append(.marker("m"), deltaMicros: 0) }
        let indicators = [(time: Int64, kind: EventType, detail: String)](repeating: (0, .marker, "m"), count: markersPerChunk)
        for _ in 0..<chunks {
            try output.writeEvents(.init(sections: builder.sections, flags: builder.chunkFlags, count: builder.count, start: 0, end: 0, indicators: indicators))
        }
        try output.finish(durationMicros: 0)
        return sink.bytes
    }

    /// A valid, complete recording of `megabytes` MiB of output, all at time 0.
    static func outputBomb(megabytes: Int) throws -> [UInt8] {
        let sink = MemorySink()
        var options = WriterOptions(codec: .zstd, level: 19)
        options.maxChunkBytes = Limits.maxDecodedLength / 2
        options.chunkIntervalMicros = 1 << 40
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: options)
        let block = [UInt8]("all work and no play ".utf8.cycled(to: 1 << 20))
        for _ in 0..<megabytes { try writer.output(block, atMicros: 0) }
        try writer.close()
        return sink.bytes
    }

    static func size(_ path: String) throws -> Int {
        try #require((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue)
    }

    @Test("a file of 128,000 markers (16 a chunk, the Spec's most) adds 100,000 indicator rows and a few megabytes to the catalog, and is stored whole")
    func markerBombIsBounded() throws {
        let ws = try Workspace()
        let bytes = try Self.markerBomb(markersPerChunk: Limits.maxIndicatorsPerChunk, chunks: 8_000)
        #expect(bytes.count < 1 << 20)
        try write(bytes, to: ws.path("markers.psrec"))
        let result = try MeasuredRun.run(["import", "--db", ws.dbPath, ws.path("markers.psrec")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM indicators") == "\(CatalogLimits.maxIndicatorsPerRecording)\n")
        #expect(try Self.size(ws.dbPath) < 16 << 20)
        #expect(try CLI.sqlite(ws.dbPath, "SELECT detail FROM audit_log WHERE action = 'import'")
            .contains("indicators: the first 100000 of 128000 kept (the limit per recording)"))
        // The content is the file, whole.
        let id = try CLI.sqlite(ws.dbPath, "SELECT uuid FROM recordings").trimmingCharacters(in: .newlines)
        #expect(try CLI.run(["export", "--db", ws.dbPath, id, "-o", ws.path("back.psrec")]).status == 0)
        #expect(try readFile(ws.path("back.psrec")) == bytes)
        print("marker bomb: import peak \(result.peakResidentBytes >> 20) MiB in \(result.seconds) s")
    }

    @Test("a 3 KB file of 2,000,000 markers in two chunks breaks the Spec's 16 a chunk: import refuses it as corrupt, quickly, and stores nothing")
    func oversizedChunksAreRefused() throws {
        let ws = try Workspace()
        let bytes = try Self.markerBomb(markersPerChunk: 1_000_000, chunks: 2)
        #expect(bytes.count < 4096)
        try write(bytes, to: ws.path("markers.psrec"))
        let result = try MeasuredRun.run(["import", "--db", ws.dbPath, ws.path("markers.psrec")])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.peakResidentBytes <= 64 << 20, "import peaked at \(result.peakResidentBytes >> 20) MiB")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "0\n")
    }

    @Test("a 25 KB file of 256 MiB of output stores 64 MiB of text in rows of at most 1 MiB, and import needs no more memory than verify")
    func outputBombIsBounded() throws {
        let ws = try Workspace()
        let bytes = try Self.outputBomb(megabytes: 256)
        #expect(bytes.count < 64 << 10)
        try write(bytes, to: ws.path("output.psrec"))
        let verify = try MeasuredRun.run(["verify", ws.path("output.psrec")])
        #expect(verify.status == 0)
        let result = try MeasuredRun.run(["import", "--db", ws.dbPath, ws.path("output.psrec")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT text_bytes FROM recordings") == "\(CatalogLimits.maxTextBytesPerRecording)\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT max(text_length) <= \(1 << 20), sum(text_length) FROM terminal_text") == "1|\(CatalogLimits.maxTextBytesPerRecording)\n")
        // Before the limit: 77 MB of catalog and twice the memory of verify.
        #expect(try Self.size(ws.dbPath) < 32 << 20)
        #expect(try CLI.sqlite(ws.dbPath, "SELECT detail FROM audit_log WHERE action = 'import'").contains("cut at the limit of 64 MiB per recording"))
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--text", "no play"]).status == 0)
        // What the catalog adds to reading and verifying the file (the validator's and
        // reader's own memory is the format library's to bound, and varies by tens of
        // megabytes from run to run with the read-ahead's timing). Before the row bound:
        // 270 MB against verify's 136 MB, from 16 MiB rows held in several copies.
        #expect(result.peakResidentBytes <= verify.peakResidentBytes + (64 << 20),
                "import \(result.peakResidentBytes >> 20) MiB, verify \(verify.peakResidentBytes >> 20) MiB")
        print("output bomb: import peak \(result.peakResidentBytes >> 20) MiB in \(result.seconds) s, verify \(verify.peakResidentBytes >> 20) MiB")
    }

    /// What the content costs, against an import of a minimal recording by the same binary:
    /// the peak also counts the binary's own code pages, which say nothing about the input
    /// (a debug build carrying the PostgreSQL driver and TLS has 4 MB more of them than one
    /// without; the import's anonymous memory stayed at 32 MB). Measured: about 29 MB over
    /// the minimal import for the output bomb, which was 64 MB in all before the driver.
    @Test("psrec import of either file takes at most 32 MiB more than importing a minimal recording")
    func importPeakMemory() throws {
        let ws = try Workspace()
        try write(try Self.markerBomb(markersPerChunk: Limits.maxIndicatorsPerChunk, chunks: 8_000), to: ws.path("markers.psrec"))
        try write(try Self.outputBomb(megabytes: 256), to: ws.path("output.psrec"))
        try write(try recordingBytes(seconds: 1), to: ws.path("minimal.psrec"))
        let minimal = try MeasuredRun.run(["import", "--db", ws.path("minimal.db"), ws.path("minimal.psrec")])
        #expect(minimal.status == 0, "\(minimal.stderr)")
        for name in ["markers.psrec", "output.psrec"] {
            let result = try MeasuredRun.run(["import", "--db", ws.path(name + ".db"), ws.path(name)])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.peakResidentBytes <= minimal.peakResidentBytes + (32 << 20),
                    "\(name): import peaked at \(result.peakResidentBytes >> 20) MiB, a minimal one at \(minimal.peakResidentBytes >> 20) MiB")
        }
    }
}

extension Sequence {
    /// The elements repeated until there are `count` of them.
    func cycled(to count: Int) -> [Element] {
        let once = Array(self)
        return (0..<count).map { once[$0 % once.count] }
    }
}
