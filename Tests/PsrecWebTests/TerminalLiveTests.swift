import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop
@testable import PsrecWeb
import Testing

/// A recording a capture host streams, as the web player sees it while it arrives.
final class TerminalLiveSession: @unchecked Sendable {
    let id = UUID()
    let bytes: [UInt8]
    let file: (head: [UInt8], chunks: [(offset: Int64, bytes: [UInt8])], trailer: [UInt8])
    let catalog: Catalog
    private(set) var sent = 0

    init(_ server: WebTestServer, events: [(Int64, Event)]) throws {
        bytes = try TerminalFixtures.recording(events, id: id)
        file = TerminalFixtures.streamed(bytes)
        catalog = server.catalog
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "test")
    }

    var uuid: String { id.uuidString.lowercased() }

    /// Stores the next `count` chunks.
    func send(_ count: Int) throws {
        for chunk in file.chunks[sent..<min(file.chunks.count, sent + count)] {
            _ = try catalog.appendIngest(host: "cap1", recordingID: id, offset: chunk.offset, chunk: chunk.bytes)
            sent += 1
        }
    }

    var remaining: Int { file.chunks.count - sent }

    func finish() throws {
        try send(remaining)
        _ = try catalog.finishIngest(host: "cap1", recordingID: id, offset: Int64(bytes.count - Trailer.size), trailer: file.trailer)
    }
}

@Suite("The terminal player's live view: the index and segments follow the ingest")
struct TerminalLiveTests {
    @Test("a live recording's index grows as chunks are committed, a segment from its end has the new events, and the state says when it is interrupted and when it ends")
    func liveIndex() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let session = try TerminalLiveSession(server, events: TerminalFixtures.sessionEvents(count: 300))
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        try session.send(session.remaining / 3)
        let first = try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/index"))
        #expect(first["state"] as? String == "live")
        let d1 = first["durationMicros"] as? Int64 ?? 0
        #expect(d1 > 0)
        let atEnd = try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/segment?from=\(d1)"))
        #expect(atEnd["atEnd"] as? Bool == true && (atEnd["events"] as? [Any])?.isEmpty == true, "nothing after the end yet")
        try session.send(session.remaining / 2)
        let second = try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/index"))
        let d2 = second["durationMicros"] as? Int64 ?? 0
        #expect(d2 > d1, "the duration grows with the chunks committed")
        let more = try await client.get("/api/recordings/\(session.uuid)/segment?from=\(d1)")
        let segment = try JSONDecoder().decode(TerminalSegmentDecoded.self, from: Data(more.body.utf8)).segment
        #expect(!segment.events.isEmpty && segment.end == d2)
        // What the page draws from the live segment is what the emulator gives for the stored part.
        let reader = try RecordingReader(source: try server.catalog.content(of: try server.catalog.recording(session.uuid)))
        TerminalKeyframeTests.expectSame(TerminalFixtures.screen(of: segment), TerminalScreen.replaying(reader, throughMicros: d2), "live segment")
        // The keyframes follow too (built by the index's request in the background).
        for _ in 0..<1200 {
            if try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/index"))["keyframesBuilt"] as? Bool == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try server.catalog.keyframeContentBytes(of: try server.catalog.recording(session.uuid)) == reader.source.size)
        _ = try server.catalog.markInterrupted(seenBeforeMicros: Int64(Date().timeIntervalSince1970 * 1_000_000) + 1_000_000)
        #expect(try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/index"))["state"] as? String == "interrupted")
        try session.finish()
        let done = try WebTestServer.json(try await client.get("/api/recordings/\(session.uuid)/index"))
        #expect(done["state"] as? String == "complete")
        #expect(done["durationMicros"] as? Int64 ?? 0 >= d2)
    }
}
