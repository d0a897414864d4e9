import Foundation
import PsrecTestSupport
import Testing
@testable import PsrecFormat

/// The disagreements between the reference reader, the validator and the independent reader
/// that issue 11 lists, each decided once in the Spec and checked here on both readers.
@Suite struct SpecDisagreementTests {
    /// The status line of the independent reader (`complete`, `truncated`, `corrupt`), or nil.
    static func independentStatus(_ bytes: [UInt8]) throws -> String? {
        guard let out = try independentOutput(bytes) else { return nil }
        let first = out.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let info = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        return info?["status"] as? String
    }

    /// What the independent reader prints for `bytes`, or nil without python3.
    static func independentOutput(_ bytes: [UInt8]) throws -> IndependentReaderTests.Output? {
        let url = Sample.tempDir().appendingPathComponent("case.psrec")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(bytes).write(to: url)
        return try IndependentReaderTests.runReader(on: url)
    }

    static func rawEvent(_ type: EventType, _ body: [UInt8], at t: Int64) -> TimedEvent {
        TimedEvent(timeMicros: t, event: .unknown(type: type.rawValue, body: body))
    }

    /// A chunk holding output and a resize wider than 65 535 columns, then a good chunk.
    static func fileWithMalformedResize(columnar: Bool) throws -> [UInt8] {
        var f = try RawFile()
        var resize = ByteWriter()
        resize.writeUVarint(70_000)
        resize.writeUVarint(24)
        let bad = f.events([TimedEvent(timeMicros: 0, event: .output(Array("secret".utf8))),
                            rawEvent(.resize, resize.bytes, at: 10)], columnar: columnar)
        let good = f.events([TimedEvent(timeMicros: 20, event: .output(Array("ok".utf8)))], columnar: columnar)
        f.trailer(f.finalIndex([bad, good], duration: 20), duration: 20)
        return f.bytes
    }

    @Test(arguments: [false, true])
    func aChunkWithAMalformedResizeIsNotPlayedEvenForItsOutput(columnar: Bool) throws {
        let bytes = try Self.fileWithMalformedResize(columnar: columnar)
        let reader = try RecordingReader(source: MemorySource(bytes))
        var runs: [UInt8] = []
        try reader.forEachRun { if $0.type == .output { runs += $0.bodies } }
        #expect(String(decoding: runs, as: UTF8.self) == "ok")
        #expect(reader.status == .corrupt)
        let again = try RecordingReader(source: MemorySource(bytes))
        #expect(String(decoding: try Sample.output(of: again), as: UTF8.self) == "ok")
        let listed = try RecordingReader(source: MemorySource(bytes))
        #expect(listed.events().map(\.event) == [.output(Array("ok".utf8))])
        #expect(Validator.verify(MemorySource(bytes)).status == .corrupt)
        #expect(try Self.independentStatus(bytes) == "corrupt")
    }

    @Test func anUnknownAncillaryChunkWithABadPayloadChecksumIsCorrupt() throws {
        var f = try RawFile()
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("a".utf8)))])
        let ancillary = f.chunk(ChunkType(rawValue: 0x90), Array("anything".utf8), items: 0, start: 0, end: 0, corruptPayloadCRC: true)
        f.trailer(f.finalIndex([e], duration: 0), duration: 0)
        let verdict = Validator.verify(MemorySource(f.bytes))
        #expect(verdict.status == .corrupt)
        #expect(verdict.problems.contains { $0.kind == FormatError.Code.badPayloadChecksum.rawValue && $0.offset == ancillary })
    }

    @Test func anUnknownAncillaryChunkWithAGoodPayloadIsFine() throws {
        var f = try RawFile()
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("a".utf8)))])
        f.chunk(ChunkType(rawValue: 0x90), Array("anything".utf8), items: 0, start: 0, end: 0)
        f.trailer(f.finalIndex([e], duration: 0), duration: 0)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .complete)
    }

    @Test func nothingMayComeBetweenTheFinalIndexAndTheTrailer() throws {
        var f = try RawFile()
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("a".utf8)))])
        let index = f.finalIndex([e], duration: 0)
        // The trailer names the index, and the sequence of the chunk after it: both trailer
        // rules of the old Spec could be read as met.
        let extra = f.sequence
        f.chunk(ChunkType(rawValue: 0x90), Array("between".utf8), items: 0, start: 0, end: 0)
        f.trailer((index.0, extra), duration: 0)
        let verdict = Validator.verify(MemorySource(f.bytes))
        #expect(verdict.status == .corrupt)
        #expect(verdict.problems.contains { $0.kind == FormatError.Code.badTrailer.rawValue })
        #expect(try RecordingReader(source: MemorySource(f.bytes)).status == .corrupt)
        #expect(try Self.independentStatus(f.bytes) == "corrupt")
    }

    static func metadataJSON(_ replacing: String, with: String) throws -> [UInt8] {
        let json = String(decoding: try Sample.metadata().encodedJSON(), as: UTF8.self)
        #expect(json.contains(replacing))
        return Array(json.replacingOccurrences(of: replacing, with: with).utf8)
    }

    @Test(arguments: [("\"cols\":80", "\"cols\":80.0000000000000001"), ("\"cols\":80", "\"cols\":80.0"),
                      ("\"rows\":24", "\"rows\":2.4e1"), ("\"start_unix_us\":1764000000000000", "\"start_unix_us\":1764000000000000.0000001"),
                      ("\"user\":\"alice\"", "\"user\":\"al\\ud800ice\""), ("\"user\":\"alice\"", "\"user\":\"al\\udc00ice\""),
                      ("\"user\":\"alice\"", "\"user\":\"al\\ud83dice\""), ("\"extra\":{", "\"extra\":{\"\\ud800\":\"x\",")])
    func metadataThatDoesNotSayExactlyWhatItMeansIsMalformed(replacing: String, with: String) throws {
        let json = try Self.metadataJSON(replacing, with: with)
        #expect(throws: FormatError.self) { try RecordingMetadata.decode(json: json, offset: 32) }
        var f = try RawFile(metaJSON: json)
        f.trailer(f.finalIndex([], duration: 0), duration: 0)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .corrupt)
        #expect(try Self.independentStatus(f.bytes) == "corrupt")
    }

    @Test(arguments: [("\"user\":\"alice\"", "\"user\":\"al\\ud83d\\ude00ice\""), ("\"cols\":80", "\"cols\":80,\"unknown\":80.5")])
    func exactMetadataIsAccepted(replacing: String, with: String) throws {
        let json = try Self.metadataJSON(replacing, with: with)
        let meta = try RecordingMetadata.decode(json: json, offset: 32)
        #expect(meta.terminal?.cols == 80)
        var f = try RawFile(metaJSON: json)
        f.trailer(f.finalIndex([], duration: 0), duration: 0)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .complete)
        #expect(try Self.independentStatus(f.bytes) == "complete")
    }

    @Test func verifyReportsAChunkWhereItStartsAndSkipsToItsEnd() throws {
        var f = try RawFile()
        // An event whose body length runs past the payload: a framing error deep in the payload.
        let bad = f.events([TimedEvent(timeMicros: 0, event: .output(Array("0123456789".utf8)))])
        let badEnd = Int64(f.bytes.count)
        f.bytes[Int(badEnd) - 11] = 0x7F
        // Fix the payload CRC by rebuilding: cut and re-add the chunk with the damaged payload.
        let payload = Array(f.bytes[Int(bad.offset) + 48..<Int(badEnd)])
        f.bytes.removeSubrange(Int(bad.offset)...)
        f.sequence -= 1
        f.chunk(.events, payload, items: 1, start: 0, end: 0)
        let good = f.events([TimedEvent(timeMicros: 5, event: .output(Array("ok".utf8)))])
        f.trailer(f.finalIndex([bad, good], duration: 5), duration: 5)
        let verdict = Validator.verify(MemorySource(f.bytes))
        #expect(verdict.status == .corrupt)
        let problem = try #require(verdict.problems.first)
        #expect(problem.offset == bad.offset)
        #expect(problem.skippedToOffset == badEnd)
        #expect(problem.sequence == 1)
    }

    @Test func aMetadataChunkWithTimesIsMalformed() throws {
        var f = try RawFile(metaTimes: 5)
        f.trailer(f.finalIndex([], duration: 5), duration: 5)
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(reader.metadata == nil)
        #expect(reader.status == .corrupt)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .corrupt)
        #expect(try Self.independentStatus(f.bytes) == "corrupt")
    }

    @Test func anIndexChunkWhoseStartIsNotItsEndIsMalformed() throws {
        var f = try RawFile()
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("a".utf8)))])
        f.trailer(f.finalIndex([e], duration: 9, start: 3), duration: 9)
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(reader.openedByScan)
        #expect(reader.status == .corrupt)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .corrupt)
        #expect(try Self.independentStatus(f.bytes) == "corrupt")
    }

    @Test func aColumnarChunkInAFileThatSays10IsDamaged() throws {
        var f = try RawFile(minor: 0)
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("columnar".utf8)))], columnar: true)
        f.trailer(f.finalIndex([e], duration: 0), duration: 0)
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(try Sample.output(of: reader).isEmpty)
        #expect(reader.status == .corrupt)
        #expect(Validator.verify(MemorySource(f.bytes)).status == .corrupt)
        #expect(try Self.independentStatus(f.bytes) == "corrupt")
    }

    /// A truncated file (scanned) with an ancillary chunk whose codec no reader knows between
    /// two EVENTS chunks: the Spec says skip it ("Reading", scanning step 3), on both readers.
    @Test func anAncillaryChunkWithAnUnknownCodecIsSkippedWhenScanning() throws {
        var f = try RawFile()
        f.events([TimedEvent(timeMicros: 0, event: .output(Array("before ".utf8)))])
        let ancillary = Int(f.chunk(ChunkType(rawValue: 0x90), Array("opaque".utf8), items: 0, start: 0, end: 0))
        // Codec 7 is unknown; the header CRC is made right again, so only check 6 fails.
        f.bytes[ancillary + 5] = 7
        let crc = f.bytes[ancillary..<ancillary + 44].withUnsafeBytes { Checksum.salted($0, salt: RawFile.salt) }
        for i in 0..<4 { f.bytes[ancillary + 44 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        f.events([TimedEvent(timeMicros: 5, event: .output(Array("after".utf8)))])
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect(String(decoding: try Sample.output(of: reader), as: UTF8.self) == "before after")
        #expect(reader.status == .truncated)
        #expect(try Self.independentStatus(f.bytes) == "truncated")
        let out = try #require(try Self.independentOutput(f.bytes))
        #expect(out.stdout.contains("\"events\":2"), "the independent reader stopped at the ancillary chunk: \(out.stdout)")
    }

    /// Metadata with a key written twice: the first occurrence is used ("Metadata"), by the
    /// reference reader and the independent one alike. The second `protocol` is not a string.
    @Test(arguments: [true, false])
    func aDuplicateMetadataKeyUsesTheFirstOccurrence(firstIsValid: Bool) throws {
        var json = try Sample.metadata().encodedJSON()
        #expect(json.last == UInt8(ascii: "}"))
        json.removeLast()
        json += Array((firstIsValid ? #","protocol":7}"# : #","protocol":"ssh"}"#).utf8)
        if !firstIsValid {
            // Put the bad one first: replace the original value.
            let text = String(decoding: json, as: UTF8.self).replacingOccurrences(of: #""protocol":"ssh","#, with: #""protocol":7,"#)
            json = Array(text.utf8)
        }
        var f = try RawFile(metaJSON: json)
        let e = f.events([TimedEvent(timeMicros: 0, event: .output(Array("a".utf8)))])
        f.trailer(f.finalIndex([e], duration: 0), duration: 0)
        let reader = try RecordingReader(source: MemorySource(f.bytes))
        #expect((reader.metadata != nil) == firstIsValid)
        #expect(Validator.verify(MemorySource(f.bytes)).status == (firstIsValid ? .complete : .corrupt))
        #expect(try Self.independentStatus(f.bytes) == (firstIsValid ? "complete" : "corrupt"))
    }
}
