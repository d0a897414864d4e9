import Foundation
import Logging
import NIOCore
import PsrecCatalog
import PsrecFormat
import PsrecNetwork
import PsrecStream
import PsrecTestSupport
import Testing

/// What a hostile or broken client sends the ingest server: each refused with its code
/// before anything is stored, the connection closed, the refusal audited, and other
/// connections unaffected.
@Suite(.serialized) struct IngestAttackTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A server, a host token, and a recording's segments.
    static func setUp() async throws -> (TestServer, [UInt8], String, UUID, [UInt8]) {
        let server = try await TestServer(idleTimeout: .seconds(2), messageDeadline: .seconds(3))
        let token = try server.token("gw-a")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "victim", chunks: 10)
        return (server, token, path, id, try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Sends `messages` on a fresh connection and returns the error that ends it.
    static func refusal(_ server: TestServer, _ messages: [StreamMessage], raw: [UInt8] = []) throws -> (StreamErrorCode, String)? {
        let client = try RawClient(port: server.port)
        for message in messages { client.send(message) }
        if !raw.isEmpty { client.send(raw) }
        while let reply = client.receive() {
            if case .error(let code, let sentence) = reply {
                #expect(client.closedByServer(), "the connection stays open after an error")
                return (code, sentence)
            }
        }
        return nil
    }

    @Test("Wrong and revoked tokens are refused and audited")
    func tokens() async throws {
        let (server, token, _, id, file) = try await Self.setUp()
        defer { Task { await server.stop() } }
        let head = TestRecordings.segments(file).head
        let wrong = try Self.refusal(server, [.hello(version: 1, token: Array("psrec_".utf8) + [UInt8](repeating: 0x30, count: 64), head: head)])
        #expect(wrong?.0 == .unauthenticated)
        try server.catalog.revokeHost(named: "gw-a", actor: "test")
        let revoked = try Self.refusal(server, [.hello(version: 1, token: token, head: head)])
        #expect(revoked?.0 == .unauthenticated)
        let queried = try Self.refusal(server, [.query(version: 1, token: token, application: "web-prod")])
        #expect(queried?.0 == .unauthenticated)
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(try server.auditRows(containing: "unauthenticated").count >= 3)
        #expect(try server.stored(id).status == "absent")
    }

    @Test("A host cannot append to another host's recording, nor to an imported one")
    func notYours() async throws {
        let (server, token, path, id, file) = try await Self.setUp()
        defer { Task { await server.stop() } }
        let parts = TestRecordings.segments(file)
        let client = try RawClient(port: server.port)
        client.send(.hello(version: 1, token: token, head: parts.head))
        guard case .welcome = client.receive() else { Issue.record("no welcome"); return }
        client.send(.chunk(offset: parts.chunks[0].offset, bytes: parts.chunks[0].bytes))
        guard case .ack = client.receive() else { Issue.record("no ack"); return }
        let before = try server.stored(id).bytes
        let other = try server.token("gw-b")
        let refused = try Self.refusal(server, [.hello(version: 1, token: other, head: parts.head),
                                                 .chunk(offset: parts.chunks[1].offset, bytes: parts.chunks[1].bytes)])
        #expect(refused?.0 == .notYours)
        #expect(try server.stored(id).bytes == before)
        // An imported recording belongs to no host.
        let (importedPath, importedID) = try TestRecordings.write(in: server.dir, name: "imported", chunks: 3)
        _ = try server.catalog.importRecording(path: importedPath, actor: "test")
        let importedHead = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: importedPath)))).head
        #expect(try Self.refusal(server, [.hello(version: 1, token: token, head: importedHead)])?.0 == .notYours)
        #expect(try server.stored(importedID).status == "complete")
        _ = path
    }

    @Test("Chunks that fail their checks, out of order or from elsewhere are refused and nothing is stored")
    func badChunks() async throws {
        let (server, token, _, id, file) = try await Self.setUp()
        defer { Task { await server.stop() } }
        let parts = TestRecordings.segments(file)
        let hello = StreamMessage.hello(version: 1, token: token, head: parts.head)
        let first = parts.chunks[0]
        var flipped = first.bytes
        flipped[flipped.count - 1] ^= 0x01
        let (otherPath, _) = try TestRecordings.write(in: server.dir, name: "other", chunks: 3)
        let foreign = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: otherPath)))).chunks[0]
        var wrongLength = first.bytes
        wrongLength.append(0)
        let cases: [(String, StreamMessage, StreamErrorCode)] = [
            ("a payload byte flipped", .chunk(offset: first.offset, bytes: flipped), .badChunk),
            ("a chunk from another file (another salt)", .chunk(offset: first.offset, bytes: foreign.bytes), .badChunk),
            ("one byte more than its header says", .chunk(offset: first.offset, bytes: wrongLength), .badChunk),
            ("the second chunk first", .chunk(offset: first.offset, bytes: parts.chunks[1].bytes), .badChunk),
            ("at an offset beyond the server's", .chunk(offset: first.offset + 1, bytes: first.bytes), .outOfOrder),
            ("the head again as a chunk", .chunk(offset: first.offset, bytes: Array(parts.head[32...])), .badChunk),
            ("a trailer before the chunks", .trailer(offset: first.offset, bytes: parts.trailer!), .badChunk),
        ]
        for (what, message, code) in cases {
            let refused = try Self.refusal(server, [hello, message])
            #expect(refused?.0 == code, "\(what): \(String(describing: refused))")
            #expect(refused.map { $0.1.hasSuffix(".") && !$0.1.contains("\n") } == true, "\(what)")
            #expect(try server.stored(id).bytes == parts.head, "\(what) stored something")
        }
        // The good chunk after all of that is still accepted.
        let client = try RawClient(port: server.port)
        client.send(hello)
        _ = client.receive()
        client.send(.chunk(offset: first.offset, bytes: first.bytes))
        guard case .ack(let sequence, let position) = client.receive() else { Issue.record("no ack"); return }
        #expect(sequence == 1)
        #expect(position.committedBytes == first.offset + Int64(first.bytes.count))
    }

    @Test("Malformed, oversized, out-of-place and stalled messages are refused before anything is set aside")
    func malformedMessages() async throws {
        let (server, token, _, _, file) = try await Self.setUp()
        defer { Task { await server.stop() } }
        let head = TestRecordings.segments(file).head
        // 4 GiB declared: refused at the prefix, without sending (or allocating) the body.
        #expect(try Self.refusal(server, [], raw: [0xFF, 0xFF, 0xFF, 0xFF, 0x02])?.0 == .malformed)
        #expect(try Self.refusal(server, [], raw: [0x01, 0x00, 0x00, 0x00, 0x7E])?.0 == .malformed)
        // A server-to-host message sent by a host.
        #expect(try Self.refusal(server, [.welcome(StreamPosition(committedBytes: 0, nextSequence: 0, complete: false))])?.0 == .malformed)
        // A chunk before any hello; a second hello.
        #expect(try Self.refusal(server, [.chunk(offset: 32, bytes: [UInt8](repeating: 0, count: 48))])?.0 == .malformed)
        #expect(try Self.refusal(server, [.hello(version: 1, token: token, head: head), .hello(version: 1, token: token, head: head)])?.0 == .malformed)
        #expect(try Self.refusal(server, [.hello(version: 9, token: token, head: head)])?.0 == .unsupportedVersion)
        // A head that is not a psrec file's.
        #expect(try Self.refusal(server, [.hello(version: 1, token: token, head: Array(head.reversed()))])?.0 == .badChunk)
        // Silence, then a message trickled in too slowly: timeouts.
        let started = Date()
        #expect(try Self.refusal(server, [])?.0 == .timeout)
        #expect(Date().timeIntervalSince(started) < 15)
        let slow = try RawClient(port: server.port)
        let bytes = StreamCodec.encode(.hello(version: 1, token: token, head: head))
        var refusedCode: StreamErrorCode?
        for byte in bytes.prefix(40) {
            slow.send([byte])
            try await Task.sleep(nanoseconds: 150_000_000)
            if Date().timeIntervalSince(started) > 30 { break }
        }
        if case .error(let code, _) = slow.receive() { refusedCode = code }
        #expect(refusedCode == .timeout)
    }

    @Test("Connections past the limit are closed at once; the others go on")
    func connectionFlood() async throws {
        let server = try await TestServer(maxConnections: 8)
        defer { Task { await server.stop() } }
        let token = try server.token("gw-flood")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "flooded", chunks: 4)
        var open: [RawClient] = []
        for _ in 0..<8 { open.append(try RawClient(port: server.port)) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let ninth = try RawClient(port: server.port)
        #expect(ninth.closedByServer())
        open.removeAll()
        try await Task.sleep(nanoseconds: 300_000_000)
        let result = try await StreamUploader(target: server.target(token), path: path, logger: Self.quiet).run()
        #expect(result.position.complete)
        #expect(try server.stored(id).status == "complete")
    }
}
