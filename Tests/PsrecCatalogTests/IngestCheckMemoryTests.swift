import Testing
@testable import PsrecCatalog
@testable import PsrecFormat

/// What live ingest remembers of the chunks it checked stays bounded.
@Suite struct IngestCheckMemoryTests {
    static func events(_ sequence: UInt32) -> Validator.CheckedEvents {
        Validator.CheckedEvents(header: ChunkHeader(type: .events, codec: .none, sequence: sequence, storedLength: 0, decodedLength: 0,
                                                    itemCount: 0, startMicros: 0, endMicros: 0, payloadCRC: 0),
                                eventCount: 0, indicators: IndicatorTally())
    }

    @Test("Past its limit everything is forgotten; completing or ending a recording forgets it")
    func bounded() {
        let memory = IngestCheckMemory(limit: 4)
        memory.remember("a", [(100, Self.events(1)), (200, Self.events(2))])
        memory.remember("b", [(100, Self.events(1))])
        // The same chunk told again is not counted twice.
        memory.remember("b", [(100, Self.events(1))])
        #expect(memory.known("a").count == 2 && memory.known("b").count == 1)
        memory.remember("b", [(200, Self.events(2))])
        #expect(memory.known("b").count == 2)
        // A fifth chunk passes the limit: all is dropped, then it is remembered.
        memory.remember("c", [(100, Self.events(1))])
        #expect(memory.known("a").isEmpty && memory.known("b").isEmpty)
        #expect(memory.known("c").count == 1)
        memory.forget("c")
        #expect(memory.known("c").isEmpty)
        // Forgetting gave the room back.
        memory.remember("d", [(100, Self.events(1)), (200, Self.events(2)), (300, Self.events(3)), (400, Self.events(4))])
        #expect(memory.known("d").count == 4)
        // A file header counts as a chunk, and goes with its recording.
        let header = FileHeader(salt: 7)
        memory.forget("d")
        memory.remember("e", fileHeader: header)
        #expect(memory.fileHeader("e")?.salt == 7)
        memory.forget("e")
        #expect(memory.fileHeader("e") == nil)
    }
}
