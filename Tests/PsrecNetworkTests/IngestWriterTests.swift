import Foundation
import PsrecCatalog
import PsrecTestSupport
import Testing
@testable import PsrecNetwork

/// Group commit across connections: what many connections submit while a commit waits goes
/// into the next transaction together.
@Suite struct IngestWriterTests {
    @Test("Batches of ten recordings submitted while the catalog is held are stored in one commit after it")
    func acrossConnections() async throws {
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.db").path
        let catalog = try Catalog(path: db, create: true, synchronousCommits: true, concurrentReads: true)
        var files: [(id: UUID, chunks: [(offset: Int64, bytes: [UInt8])])] = []
        for n in 0..<10 {
            let (path, id) = try TestRecordings.write(in: dir, name: "r\(n)", chunks: 3, seed: UInt64(n + 1))
            let parts = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
            _ = try catalog.beginIngest(host: "cap", head: parts.head, actor: "test")
            files.append((id, parts.chunks))
        }
        let writer = IngestWriter(catalog: SharedCatalog(catalog))
        writer.start()
        defer { writer.stop() }
        // Another process holds the catalog's write lock for a while.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(1.5); c.execute('COMMIT')
            """, db]
        let said = Pipe()
        holder.standardOutput = said
        try holder.run()
        _ = said.fileHandleForReading.readData(ofLength: 5)
        let batches = files.map { catalog.prepareIngest(host: "cap", recordingID: $0.id, chunks: $0.chunks) }
        let stored = try await withThrowingTaskGroup(of: Int.self) { group in
            for batch in batches { group.addTask { try await writer.store(batch).get().positions.count } }
            return try await group.reduce(0, +)
        }
        holder.waitUntilExit()
        #expect(stored == files.reduce(0) { $0 + $1.chunks.count })
        // The first transaction waited for the lock with what had arrived; everything
        // submitted meanwhile went into the next one: two commits, not ten.
        #expect(writer.commits <= 2, "\(writer.commits) commits")
        for file in files {
            let last = file.chunks.last!
            #expect(try catalog.recording(file.id.uuidString).fileBytes == last.offset + Int64(last.bytes.count))
        }
    }
}
