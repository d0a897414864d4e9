import PsrecStream
import PsrecTestSupport
import Testing

/// The ingest protocol's messages: round trips, the byte layout `Spec/protocol.md` gives,
/// and refusals of every malformed shape before any declared length is trusted.
@Suite struct StreamCodecTests {
    static let position = StreamPosition(committedBytes: 0x0102_0304_0506, nextSequence: 7, complete: true)
    static let messages: [StreamMessage] = [
        .hello(version: 1, token: Array("psrec_abc".utf8), head: [1, 2, 3]),
        .chunk(offset: 32, bytes: [UInt8](repeating: 0xF5, count: 60)),
        .trailer(offset: 1000, bytes: [UInt8](repeating: 0x41, count: 80)),
        .end(offset: 77),
        .query(version: 1, token: [9, 9], application: "web-prod é"),
        .welcome(position),
        .ack(sequence: 6, position: position),
        .policy(recording: true, strict: false),
        .error(.outOfOrder, "The server holds 100 bytes."),
    ]

    @Test("Every message comes back as it went")
    func roundTrip() throws {
        for message in Self.messages {
            #expect(try StreamCodec.decode(StreamCodec.encode(message)) == message)
        }
    }

    @Test("The byte layout is the one the Spec gives")
    func layout() {
        // Spec/protocol.md, worked example: an ack of chunk 6 with 0x010203040506 bytes held.
        let ack = StreamCodec.encode(.ack(sequence: 6, position: Self.position))
        #expect(ack == [0x12, 0, 0, 0, 0x82, 6, 0, 0, 0, 6, 5, 4, 3, 2, 1, 0, 0, 7, 0, 0, 0, 1])
        let end = StreamCodec.encode(.end(offset: 0x20))
        #expect(end == [9, 0, 0, 0, 0x04, 0x20, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test("A declared length is checked against its type's bound before anything else")
    func prefixBounds() throws {
        // A chunk may declare up to a chunk's bound; one byte more is refused.
        let chunkMax = StreamMessageType.chunk.maxLength
        #expect(try StreamCodec.prefix(le32(chunkMax) + [0x02]).bodyLength == chunkMax - 1)
        #expect(throws: StreamDecodingError.self) { try StreamCodec.prefix(le32(chunkMax + 1) + [0x02]) }
        // 4 GiB declared for a hello, an ack, an error: refused at once.
        for type: UInt8 in [0x01, 0x82, 0x84] {
            #expect(throws: StreamDecodingError.self) { try StreamCodec.prefix([0xFF, 0xFF, 0xFF, 0xFF, type]) }
        }
        // Zero length, unknown types.
        #expect(throws: StreamDecodingError.self) { try StreamCodec.prefix([0, 0, 0, 0, 0x01]) }
        for type: UInt8 in [0x00, 0x06, 0x7F, 0x80, 0x85, 0xFF] {
            #expect(throws: StreamDecodingError.self) { try StreamCodec.prefix([1, 0, 0, 0, type]) }
        }
    }

    @Test("Malformed bodies are refused with a sentence")
    func malformedBodies() {
        let cases: [(String, [UInt8])] = [
            ("a hello whose token length runs past the body", [1, 0, 200, 0, 1, 2]),
            ("a hello with a token over 256 bytes", [1, 0] + le16(257) + [UInt8](repeating: 0, count: 257) + le32(0)),
            ("a hello with bytes after its head", [1, 0, 0, 0] + le32(1) + [7, 8]),
            ("a chunk shorter than a chunk header", le64(32) + [UInt8](repeating: 0, count: 47)),
            ("a chunk at an offset beyond 2^63", [0, 0, 0, 0, 0, 0, 0, 0x80] + [UInt8](repeating: 0, count: 48)),
            ("a trailer of 79 bytes", le64(9) + [UInt8](repeating: 0, count: 79)),
            ("a query whose name is not UTF-8", [1, 0, 0, 0, 2, 0, 0xC3, 0x28]),
            ("a welcome whose flag is 2", le64(1) + le32(1) + [2]),
            ("an error with an undefined code", le16(999) + le16(0)),
            ("an error whose sentence is not UTF-8", le16(1) + le16(1) + [0xFF]),
        ]
        let types: [StreamMessageType] = [.hello, .hello, .hello, .chunk, .chunk, .trailer, .query, .welcome, .error, .error]
        for ((what, body), type) in zip(cases, types) {
            #expect(throws: StreamDecodingError.self, "\(what)") { try StreamCodec.decodeBody(type: type, body) }
            do {
                _ = try StreamCodec.decodeBody(type: type, body)
            } catch {
                #expect(error.message.hasSuffix("."), "\(what): \(error.message)")
                #expect(!error.message.contains("\n"))
            }
        }
    }

    @Test("An error sentence over the bound is cut at a character boundary")
    func longErrorSentence() throws {
        let sentence = String(repeating: "é", count: 2000)
        guard case .error(_, let back) = try StreamCodec.decode(StreamCodec.encode(.error(.malformed, sentence))) else {
            Issue.record("not an error")
            return
        }
        #expect(back.utf8.count <= StreamLimits.maxErrorMessageBytes)
        #expect(back.allSatisfy { $0 == "é" })
    }

    @Test("Random bytes never trap; what decodes re-encodes to the same bytes", arguments: 0..<4)
    func garbage(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed) &+ 0x5EED)
        print("StreamCodecTests.garbage seed \(seed)")
        var decoded = 0
        for _ in 0..<5000 {
            var bytes = (0..<Int.random(in: 5...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Most random prefixes are refused; give half of them a plausible length and type.
            if Bool.random(using: &generator) {
                let length = bytes.count - 4
                bytes[0] = UInt8(length & 0xFF); bytes[1] = 0; bytes[2] = 0; bytes[3] = 0
                bytes[4] = StreamMessageType.allCases.randomElement(using: &generator)!.rawValue
            }
            if let message = try? StreamCodec.decode(bytes) {
                decoded += 1
                #expect(StreamCodec.encode(message) == bytes)
            }
        }
        #expect(decoded > 0, "no random message decoded: the test checks nothing")
    }

    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(v >> ($0 * 8) & 0xFF) } }
    func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(v >> ($0 * 8) & 0xFF) } }
}
