import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop
@testable import PsrecWeb
import Testing

@Suite("Terminal keyframes and segments: what the web player draws equals the emulator's replay")
struct TerminalKeyframeTests {
    static func keyframes(_ reader: RecordingReader, spacing: Int, after last: TerminalKeyframe? = nil) -> [TerminalKeyframe] {
        var out: [TerminalKeyframe] = []
        KeyframeBuilder(spacingBytes: spacing).build(reader, after: last) { out.append($0) }
        return out
    }

    static func expectSame(_ screen: TerminalScreen, _ reference: TerminalScreen, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(screen.columns == reference.columns && screen.rows == reference.rows, "\(what): size", sourceLocation: sourceLocation)
        #expect(screen.displayLines == reference.displayLines, "\(what): text", sourceLocation: sourceLocation)
        #expect(screen.cursorColumn == reference.cursorColumn && screen.cursorRow == reference.cursorRow, "\(what): cursor", sourceLocation: sourceLocation)
        #expect(screen.displayCells.map { $0.map(\.style) } == reference.displayCells.map { $0.map(\.style) }, "\(what): renditions", sourceLocation: sourceLocation)
    }

    @Test("each keyframe's snapshot on a fresh screen, then the events after it, gives TerminalScreen.replaying's screen", arguments: [false, true])
    func keyframesReplay(resizes: Bool) throws {
        let events = TerminalFixtures.sessionEvents(count: 400, resizes: resizes)
        let reader = try TerminalFixtures.reader(try TerminalFixtures.recording(events))
        let keyframes = Self.keyframes(reader, spacing: 1500)
        #expect(keyframes.count >= 10, "about 1500 bytes apart over the whole session")
        #expect(keyframes.first?.chunkOffset == reader.entries.first?.offset && keyframes.first?.eventIndex == 0)
        #expect(zip(keyframes, keyframes.dropFirst()).allSatisfy { $0.timeMicros <= $1.timeMicros })
        if resizes { #expect(Set(keyframes.map { "\($0.columns)x\($0.rows)" }).count > 2, "keyframes carry the size of their moment") }
        let end = events.last!.0
        for (k, keyframe) in keyframes.enumerated() {
            let next = k + 1 < keyframes.count ? keyframes[k + 1].timeMicros : end
            for t in [keyframe.timeMicros, keyframe.timeMicros + 151_000, (keyframe.timeMicros + next) / 2, next] where t >= keyframe.timeMicros {
                let replay = TerminalReplay(reader, from: keyframe)
                replay.draw(throughMicros: t)
                Self.expectSame(replay.screen, TerminalScreen.replaying(reader, throughMicros: t), "keyframe \(k) at \(t)")
            }
        }
    }

    @Test("a segment from any moment: snapshot plus its events up to the moment is the replayed screen; its events to its end too; the next one follows on", arguments: [false, true])
    func segments(resizes: Bool) throws {
        let events = TerminalFixtures.sessionEvents(count: 300, resizes: resizes)
        let reader = try TerminalFixtures.reader(try TerminalFixtures.recording(events))
        let keyframes = Self.keyframes(reader, spacing: 2000)
        // Every time at which an event is, and just before it: the boundary cases (split sequences) included.
        let times = Set(events.map(\.0).flatMap { [$0 - 1, $0] }).sorted().filter { $0 >= 0 }
        for (n, t) in times.enumerated() where n % 7 == 0 || n % 7 == 3 {
            let keyframe = keyframes.last { $0.timeMicros <= t }
            let segment = TerminalSegment.make(reader, keyframe: keyframe, from: t, budgetBytes: 3000)
            Self.expectSame(TerminalFixtures.screen(of: segment, through: t), TerminalScreen.replaying(reader, throughMicros: t), "segment from \(t)")
            if segment.continues {
                let whole = TerminalFixtures.screen(of: segment)
                Self.expectSame(whole, TerminalScreen.replaying(reader, throughMicros: segment.end), "segment from \(t) to its end \(segment.end)")
                if !segment.atEnd {
                    let next = TerminalSegment.make(reader, keyframe: keyframes.last { $0.timeMicros <= segment.end }, from: segment.end, budgetBytes: 3000)
                    #expect(next.end > segment.end, "the next segment goes further")
                    TerminalFixtures.draw(next, on: whole, after: segment.end)
                    Self.expectSame(whole, TerminalScreen.replaying(reader, throughMicros: next.end), "two segments from \(t)")
                }
            }
        }
        // Without keyframes (not built yet) a segment is drawn from the start: same screen.
        let late = times[times.count * 3 / 4]
        Self.expectSame(TerminalFixtures.screen(of: TerminalSegment.make(reader, keyframe: nil, from: late), through: late),
                        TerminalScreen.replaying(reader, throughMicros: late), "segment without keyframes")
    }

    @Test("a segment keeps to its budget, and one output larger than it is cut with continues false")
    func segmentBudget() throws {
        var events = TerminalFixtures.sessionEvents(count: 1000)
        let big = Array(String(repeating: "0123456789abcdef\r\n", count: 20_000).utf8) // 360 000 bytes in one event
        events.append((events.last!.0 + 1_000_000, .output(big)))
        events.append((events.last!.0 + 1_000_000, .output(Array("after the big one\r\n".utf8))))
        let reader = try TerminalFixtures.reader(try TerminalFixtures.recording(events, chunkBytes: 64 * 1024))
        var from: Int64 = 0, segments = 0, cut = false
        while segments < 1000 {
            segments += 1
            let segment = TerminalSegment.make(reader, keyframe: nil, from: from, budgetBytes: 10_000)
            let bytes = Data(base64Encoded: segment.data)!.count
            #expect(bytes + segment.events.count * KeyframeBuilder.eventCost <= 12_500, "within the budget and a quarter at worst")
            if !segment.continues { cut = true }
            if segment.atEnd { break }
            guard segment.end > from else { Issue.record("no progress at \(from)"); break }
            from = segment.end
        }
        #expect(cut, "the 360 000-byte output cannot fit in a 10 000-byte segment")
        #expect(segments > 5)
        #expect(from == events[events.count - 2].0, "the last segment starts at the big output, drawn whole in its snapshot")
        let last = TerminalSegment.make(reader, keyframe: nil, from: from, budgetBytes: 10_000)
        Self.expectSame(TerminalFixtures.screen(of: last), TerminalScreen.replaying(reader, throughMicros: events.last!.0), "after the cut")
    }

    @Test("a live recording's keyframes extend as chunks arrive, equal to those of the whole file built at once")
    func liveExtension() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let id = UUID()
        let bytes = try TerminalFixtures.recording(TerminalFixtures.sessionEvents(count: 500, resizes: true), id: id)
        let file = TerminalFixtures.streamed(bytes)
        let catalog = server.catalog
        _ = try catalog.beginIngest(host: "cap1", head: file.head, actor: "test")
        let half = file.chunks.count / 2
        for chunk in file.chunks[..<half] { _ = try catalog.appendIngest(host: "cap1", recordingID: id, offset: chunk.offset, chunk: chunk.bytes) }
        let builder = KeyframeBuilder(spacingBytes: 1500)
        var recording = try catalog.recording(id.uuidString)
        #expect(recording.state == .live)
        #expect(try KeyframeQueue.build(recording, in: catalog, builder: builder))
        let first = try catalog.keyframes(of: recording)
        #expect(first.count >= 3)
        #expect(try !KeyframeQueue.build(recording, in: catalog, builder: builder), "nothing new: nothing built")
        for chunk in file.chunks[half...] { _ = try catalog.appendIngest(host: "cap1", recordingID: id, offset: chunk.offset, chunk: chunk.bytes) }
        recording = try catalog.recording(id.uuidString)
        #expect(try KeyframeQueue.build(recording, in: catalog, builder: builder))
        let extended = try catalog.keyframes(of: recording)
        #expect(extended.count > first.count)
        #expect(Array(extended.prefix(first.count)) == first, "the keyframes built before stay as they were")
        let whole = Self.keyframes(try TerminalFixtures.reader(bytes), spacing: 1500)
        #expect(extended.map(\.timeMicros) == whole.map(\.timeMicros))
        #expect(extended.map(\.chunkOffset) == whole.map(\.chunkOffset))
        for (k, keyframe) in whole.enumerated() {
            let stored = try catalog.keyframe(of: recording, atOrBeforeMicros: keyframe.timeMicros)
            if k + 1 == whole.count || whole[k + 1].timeMicros > keyframe.timeMicros {
                #expect(stored?.snapshot == keyframe.snapshot, "keyframe \(k) resumed from a stored one equals the one built at once")
            }
        }
    }

    @Test("keyframes go with their recording when it is deleted")
    func deletedWithRecording() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let recording = try server.importTerminal(try TerminalFixtures.recording(TerminalFixtures.sessionEvents(count: 100)))
        try KeyframeQueue.build(recording, in: server.catalog, builder: KeyframeBuilder(spacingBytes: 1000))
        #expect(try server.count("SELECT count(*) FROM terminal_keyframes") > 2)
        #expect(try server.count("SELECT count(*) FROM terminal_keyframe_builds") == 1)
        try server.catalog.delete(recording, reason: "test", by: .administrator(login: "t"))
        #expect(try server.count("SELECT count(*) FROM terminal_keyframes") == 0)
        #expect(try server.count("SELECT count(*) FROM terminal_keyframe_builds") == 0)
    }
}
