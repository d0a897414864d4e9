import Foundation
import Testing
@testable import PsrecFormat

/// The hash chain and the seals of format 1.2 (`Spec/format.md#seals`): a sealed file holds,
/// and each way of tampering with one is detected and reported as what it is, by the
/// reference verifier and by the independent reader (`psrec_reader.py --seals`) alike.
@Suite struct SealTests {
    /// A 20-second session sealed every 2 s, uncompressed so that a changed byte still decodes.
    static func sealed(id: UUID = Sample.fixedID, key: SealingKey = Sample.sealingKey, close: Bool = true) throws -> [UInt8] {
        var options = Sample.options(.none)
        options.sealingKey = key
        options.sealIntervalMicros = 2_000_000
        options.indexEveryChunks = 4
        var metadata = Sample.metadata()
        metadata.recordingID = id
        return try Sample.file(Sample.longSession(seconds: 20), options: options, metadata: metadata, close: close)
    }

    static func report(_ bytes: [UInt8], trusted: Set<SealPublicKey>? = nil) -> SealReport {
        SealVerifier.verify(MemorySource(bytes), trusted: trusted)
    }

    /// The independent reader's `--seals` line for `bytes`, as a dictionary.
    static func python(_ bytes: [UInt8]) throws -> [String: Any] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-seal-\(UUID().uuidString).psrec")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try #require(try IndependentReaderTests.runReader(on: file, arguments: ["--seals"]))
        #expect(result.status == 0, "psrec_reader.py --seals exited \(result.status): \(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// Both verifiers say `status`, naming chunk `sequence` when given.
    static func expectBoth(_ bytes: [UInt8], _ status: SealReport.Status, chunk sequence: UInt32? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> SealReport {
        let report = Self.report(bytes)
        #expect(report.status == status, "\(report.problem?.message ?? "no problem")", sourceLocation: sourceLocation)
        if let sequence { #expect(report.problem?.sequence == sequence, "\(report.problem?.message ?? "")", sourceLocation: sourceLocation) }
        let python = try Self.python(bytes)
        #expect(python["status"] as? String == status.rawValue, sourceLocation: sourceLocation)
        if let sequence { #expect((python["problem_sequence"] as? NSNumber)?.uint32Value == sequence, sourceLocation: sourceLocation) }
        #expect((python["valid_seals"] as? NSNumber)?.intValue == report.validSeals, sourceLocation: sourceLocation)
        return report
    }

    static func indices(of type: ChunkType, in surgery: FileSurgery) -> [Int] {
        surgery.chunks.indices.filter { surgery.chunks[$0].header.type == type }
    }

    @Test func intactFileIsSealedToItsEnd() throws {
        let bytes = try Self.sealed()
        #expect(Validator.verify(MemorySource(bytes)).status == .complete)
        let reader = try RecordingReader(source: MemorySource(bytes))
        #expect(reader.status == .complete && reader.damage.isEmpty)
        #expect(reader.header.minor == 2)
        let report = try Self.expectBoth(bytes, .unverified)
        #expect(report.seals >= 10 && report.validSeals == report.seals)
        #expect(report.sealedMicros == reader.durationMicros)
        #expect(report.unsealedEventChunks == 0 && report.unsealedMicros == 0)
        #expect(report.keyID == "test-key" && report.keyFingerprint == Sample.sealingKey.publicKey.fingerprint)
        let trusted = Self.report(bytes, trusted: [Sample.sealingKey.publicKey])
        #expect(trusted.status == .sealed && trusted.trustedKey == Sample.sealingKey.publicKey)
    }

    @Test func unsealedFileIsReportedUnsealed() throws {
        let bytes = try Sample.file(Sample.longSession(seconds: 3), options: Sample.options(.none))
        let report = try Self.expectBoth(bytes, .unsealed)
        #expect(report.seals == 0 && report.problem == nil)
        #expect(Self.report(bytes, trusted: [Sample.sealingKey.publicKey]).status == .unsealed)
    }

    @Test func changedByteWithItsCRCRecomputedIsAltered() throws {
        var surgery = try FileSurgery(try Self.sealed())
        let target = Self.indices(of: .events, in: surgery)[7]
        // The last payload byte is output text in the columnar layout: the chunk still decodes.
        surgery.chunks[target].stored[surgery.chunks[target].stored.count - 3] ^= 0x01
        let bytes = surgery.assemble()
        #expect(Validator.verify(MemorySource(bytes)).status == .complete, "the CRCs were recomputed: only the seals can tell")
        let report = try Self.expectBoth(bytes, .altered, chunk: surgery.chunks[target].header.sequence)
        #expect(report.problem?.message.hasPrefix("altered: chunk \(surgery.chunks[target].header.sequence) changed after the seal at 0:00:0") == true)
        #expect(report.sealedMicros.map { $0 < surgery.chunks[target].header.startMicros } ?? true)
    }

    @Test func removedChunkWithLaterChunksRenumberedIsAltered() throws {
        var surgery = try FileSurgery(try Self.sealed())
        let target = Self.indices(of: .events, in: surgery)[9]
        let sequence = surgery.chunks[target].header.sequence
        surgery.chunks.remove(at: target)
        let bytes = surgery.assemble(resequence: true, freshTrailer: true)
        _ = try Self.expectBoth(bytes, .altered, chunk: sequence)
    }

    @Test func reorderedChunksAreAltered() throws {
        var surgery = try FileSurgery(try Self.sealed())
        let events = Self.indices(of: .events, in: surgery)
        // Two EVENTS chunks side by side, so that no seal moves.
        let target = try #require(events.dropFirst(10).first { events.contains($0 + 1) })
        let sequence = surgery.chunks[target].header.sequence
        surgery.chunks.swapAt(target, target + 1)
        let bytes = surgery.assemble(resequence: true, freshTrailer: true)
        _ = try Self.expectBoth(bytes, .altered, chunk: sequence)
    }

    @Test func fileCutAfterASealIsSealedToThatSeal() throws {
        let whole = try Self.sealed()
        let surgery = try FileSurgery(whole)
        let seal = Self.indices(of: .seal, in: surgery)[3]
        let nextEvents = try #require(Self.indices(of: .events, in: surgery).first { $0 > seal })
        // Cut inside the chunk after the first EVENTS chunk that follows the seal.
        let cut = surgery.offset(of: nextEvents + 1) + 30
        let bytes = Array(whole.prefix(cut))
        #expect(Validator.verify(MemorySource(bytes)).status == .truncated)
        let report = try Self.expectBoth(bytes, .unverified)
        #expect(report.sealedSequence == surgery.chunks[seal].header.sequence)
        #expect(report.sealedMicros == surgery.chunks[seal].header.startMicros)
        #expect(report.unsealedEventChunks == 1)
        #expect(report.unsealedMicros == surgery.chunks[nextEvents].header.endMicros - surgery.chunks[seal].header.startMicros)
        #expect(report.unsealedMicros > 0)
    }

    @Test func recordingCutShortWhileWritingIsSealedToItsLastSeal() throws {
        let bytes = try Self.sealed(close: false)
        let report = try Self.expectBoth(bytes, .unverified)
        #expect(report.validSeals >= 9)
        #expect(report.unsealedMicros < 2_000_000)
    }

    @Test func wholeFileResignedWithAnotherKeyIsUntrusted() throws {
        let bytes = try Self.sealed(key: Sample.otherKey)
        let open = try Self.expectBoth(bytes, .unverified)
        #expect(open.keyFingerprint == Sample.otherKey.publicKey.fingerprint)
        let report = Self.report(bytes, trusted: [Sample.sealingKey.publicKey])
        #expect(report.status == .untrusted)
        #expect(report.problem?.message.hasPrefix("sealed by an untrusted key: other-key") == true)
        #expect(report.sealedMicros == nil)
    }

    @Test func sealCopiedFromAnotherRecordingDoesNotBelong() throws {
        var mine = try FileSurgery(try Self.sealed())
        let theirs = try FileSurgery(try Self.sealed(id: UUID(uuidString: "11111111-2222-3333-4444-555555555555")!))
        let seal = Self.indices(of: .seal, in: mine)[2]
        mine.chunks[seal] = theirs.chunks[seal]
        let bytes = mine.assemble()
        let report = try Self.expectBoth(bytes, .misplaced, chunk: mine.chunks[seal].header.sequence)
        #expect(report.validSeals == 2)
    }

    @Test func sealMovedToAnotherPositionDoesNotBelong() throws {
        var surgery = try FileSurgery(try Self.sealed())
        let seals = Self.indices(of: .seal, in: surgery)
        // The first seal's payload, under the third seal's header (sequence and time).
        surgery.chunks[seals[2]].stored = surgery.chunks[seals[0]].stored
        surgery.chunks[seals[2]].header.itemCount = surgery.chunks[seals[0]].header.itemCount
        let bytes = surgery.assemble()
        _ = try Self.expectBoth(bytes, .misplaced, chunk: surgery.chunks[seals[2]].header.sequence)
    }

    @Test func sealMadeWithAKeyOtherThanTheRecordingsIsForeign() throws {
        var surgery = try FileSurgery(try Self.sealed())
        let index = Self.indices(of: .seal, in: surgery)[4]
        let header = surgery.chunks[index].header
        var seal = try SealPayload.decode(surgery.chunks[index].stored, offset: 0)
        // A correct seal of this very place, signed by someone else's key.
        let message = SealPayload.message(recordingID: Sample.fixedID, sequence: header.sequence, timeMicros: header.startMicros, chain: seal.chain)
        seal.publicKey = Sample.otherKey.publicKey.raw
        seal.signature = try Sample.otherKey.sign(message)
        surgery.chunks[index].stored = seal.encoded()
        let bytes = surgery.assemble()
        let report = try Self.expectBoth(bytes, .foreignKey, chunk: header.sequence)
        #expect(report.validSeals == 4)
        #expect(report.sealedSequence == surgery.chunks[Self.indices(of: .seal, in: surgery)[3]].header.sequence)
    }

    @Test func metadataNamingAKeyWithoutSealsIsNotSealed() throws {
        var surgery = try FileSurgery(try Self.sealed())
        surgery.chunks.removeAll { $0.header.type == .seal }
        let bytes = surgery.assemble(resequence: true, freshTrailer: true)
        let report = try Self.expectBoth(bytes, .notSealed)
        #expect(report.failed)
    }

    @Test func idleSessionIsSealedByTheTimer() throws {
        let sink = MemorySink()
        var options = Sample.options(.none)
        options.sealingKey = Sample.sealingKey
        options.sealIntervalMicros = 60_000_000
        let writer = try RecordingWriter(sink: sink, metadata: Sample.metadata(), options: options)
        try writer.append(.output(Array("last words\r\n".utf8)), atMicros: 5_000_000)
        try writer.flushIfDue(nowMicros: 7_000_000)
        #expect(Self.report(sink.bytes).seals == 0)
        try writer.flushIfDue(nowMicros: 61_000_000)
        let report = Self.report(sink.bytes)
        #expect(report.status == .unverified && report.seals == 1)
        #expect(report.sealedMicros == 5_000_000 && report.unsealedEventChunks == 0)
        // Nothing new: no second seal.
        try writer.flushIfDue(nowMicros: 200_000_000)
        #expect(Self.report(sink.bytes).seals == 1)
        try writer.close()
        #expect(Self.report(sink.bytes).seals == 1)
    }

    @Test func signaturesAreDeterministicAndKeyFilesRoundTrip() throws {
        #expect(try Self.sealed() == (try Self.sealed()))
        let key = try SealingKey.parse(fileText: Sample.sealingKey.fileText)
        #expect(key.publicKey == Sample.sealingKey.publicKey && key.id == "test-key")
        let pub = try SealPublicKey.parse(fileText: Sample.sealingKey.publicKey.fileText)
        #expect(pub == Sample.sealingKey.publicKey && pub.id == "test-key")
        #expect(throws: FormatError.self) { try SealPublicKey.parse(fileText: "psrec-ed25519-public-key x AAAA\n") }
        #expect(throws: FormatError.self) { try SealingKey.parse(fileText: Sample.sealingKey.publicKey.fileText) }
    }
}
