import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import Testing

@Suite("Terminal keyframes in the catalog")
struct KeyframeCatalogTests {
    static func keyframe(_ n: Int) -> TerminalKeyframe {
        TerminalKeyframe(timeMicros: Int64(n) * 1_000_000, chunkOffset: Int64(100 + n * 50), eventIndex: n % 3, columns: 80 + n, rows: 24,
                         snapshot: Array("\u{1B}[H\u{1B}[2Jkeyframe \(n) ".utf8) + Array(repeating: UInt8(ascii: "x"), count: n * 100))
    }

    @Test("stored compressed and read back as they were; a resumed build keeps the ones before; the build's size is kept", arguments: Engine.allCases)
    func storeAndRead(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        try write(try recordingBytes(), to: ws.path("a.psrec"))
        _ = try catalog.importRecording(path: ws.path("a.psrec"), actor: "test")
        let recording = try catalog.search(RecordingQuery(), as: admin)[0]
        #expect(try catalog.keyframes(of: recording).isEmpty)
        #expect(try catalog.keyframeContentBytes(of: recording) == nil)
        #expect(try catalog.lastKeyframe(of: recording) == nil)
        try catalog.storeKeyframes((0..<4).map(Self.keyframe), of: recording, keptCount: 0, contentBytes: 0)
        #expect(try catalog.keyframeContentBytes(of: recording) == 0)
        try catalog.storeKeyframes((4..<7).map(Self.keyframe), of: recording, keptCount: 4, contentBytes: 5000)
        #expect(try catalog.keyframeContentBytes(of: recording) == 5000)
        let listed = try catalog.keyframes(of: recording)
        #expect(listed.map(\.timeMicros) == (0..<7).map { Int64($0) * 1_000_000 })
        #expect(listed.allSatisfy { $0.snapshot.isEmpty }, "the list leaves the snapshots out")
        #expect(try catalog.keyframe(of: recording, atOrBeforeMicros: 3_500_000) == Self.keyframe(3))
        #expect(try catalog.keyframe(of: recording, atOrBeforeMicros: 3_000_000) == Self.keyframe(3))
        #expect(try catalog.keyframe(of: recording, atOrBeforeMicros: -1) == nil)
        #expect(try catalog.lastKeyframe(of: recording) == Self.keyframe(6))
        // A build from the start replaces them all.
        try catalog.storeKeyframes([Self.keyframe(9)], of: recording, keptCount: 0, contentBytes: 6000)
        #expect(try catalog.keyframeCount(of: recording) == 1)
        #expect(try catalog.lastKeyframe(of: recording) == Self.keyframe(9))
        let stored = try catalog.read { db in try Int.fetchOne(db, sql: "SELECT length(snapshot_zstd) FROM terminal_keyframes") ?? 0 }
        #expect(stored < Self.keyframe(9).snapshot.count / 4, "compressed")
        try catalog.delete(recording, reason: "test", by: admin)
        let left = try catalog.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM terminal_keyframes) + (SELECT count(*) FROM terminal_keyframe_builds)") ?? -1
        }
        #expect(left == 0, "deleted with the recording")
        #expect(throws: CatalogError.self) { try catalog.storeKeyframes([Self.keyframe(1)], of: recording, keptCount: 0, contentBytes: 1) }
    }
}
