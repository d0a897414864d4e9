import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecScreen
@testable import PsrecWeb
import Testing

@Suite("Screen player: live view")
struct ScreenLiveTests {
    /// A screen recording's bytes cut as a capture host streams them: the head (file header
    /// and META chunk), then each chunk at its offset; the trailer is left out.
    static func cut(_ bytes: [UInt8]) -> (head: [UInt8], chunks: [(offset: Int64, bytes: [UInt8])]) {
        let streamed = TerminalFixtures.streamed(bytes)
        return (streamed.head, streamed.chunks)
    }

    @Test("a streamed recording is live in the index, grows with each committed chunk (earlier segments unchanged), draws what the renderer draws of the stored part, and says interrupted")
    func live() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let uuid = UUID(), id = uuid.uuidString.lowercased()
        let bytes = try ScreenWebSample.recording(id: uuid, seconds: 30)
        let (head, chunks) = Self.cut(bytes)
        _ = try server.catalog.beginIngest(host: "cap1", head: head, actor: "test")
        let half = chunks.count / 2
        for chunk in chunks[..<half] {
            _ = try server.catalog.appendIngest(host: "cap1", recordingID: uuid, offset: chunk.offset, chunk: chunk.bytes)
        }
        let client = try await server.loggedIn("alice")
        let first = try await ScreenPlayerTests.index(server, id, cookie: client.cookie)
        #expect(first.live && first.state == "live")
        #expect(first.segments.count >= 2 && first.durationMicros > 0)

        // What the page draws at the live edge is the renderer's picture of the stored part.
        let stored = head + chunks[..<half].flatMap(\.bytes)
        let renderer = ScreenRenderer(reader: try RecordingReader(source: MemorySource(stored)))
        let edge = first.durationMicros
        let segment = try await ScreenPlayerTests.segment(server, id, first.segment(at: edge), cookie: client.cookie)
        let (drawn, _) = ScreenWebSample.draw(segment, at: edge, blank: Framebuffer(width: first.width, height: first.height))
        #expect(drawn.rgbFromRGBA() == renderer.render(at: edge).rgbBytes())

        for chunk in chunks[half...] {
            _ = try server.catalog.appendIngest(host: "cap1", recordingID: uuid, offset: chunk.offset, chunk: chunk.bytes)
        }
        let later = try await ScreenPlayerTests.index(server, id, cookie: client.cookie)
        #expect(later.live && later.durationMicros > first.durationMicros && later.segments.count > first.segments.count)
        #expect(Array(later.segments.prefix(first.segments.count - 1)) == Array(first.segments.dropLast()),
                "segments already complete keep their number and range while the recording grows")
        #expect(later.indicators.count > first.indicators.count)

        // Nothing arrives any more: the catalog marks it interrupted, and the index says so.
        #expect(try server.catalog.markInterrupted(seenBeforeMicros: Int64.max) == 1)
        let interrupted = try await ScreenPlayerTests.index(server, id, cookie: client.cookie)
        #expect(!interrupted.live && interrupted.state == "interrupted" && interrupted.durationMicros == later.durationMicros)
    }
}
