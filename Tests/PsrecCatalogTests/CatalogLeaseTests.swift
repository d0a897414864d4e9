import Foundation
@testable import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing

/// Leases (`Catalog+Leases`): which connection receives a streamed recording, and which
/// process runs retention, decided in the catalog, on both engines.
@Suite("Leases: one connection receives a recording at a time, one process runs retention")
struct CatalogLeaseTests {
    static func refusedAsHeld(_ error: any Error) -> Bool { (error as? CatalogError)?.code == .leaseHeld }

    @Test("a hello while another server's connection holds the recording is refused; a newer connection of the same server takes it at once, and the older one stores nothing more; a released or expired lease is taken over, and the connection it was taken from is fenced off",
          arguments: Engine.allCases)
    func ingestLease(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        _ = try catalog.addHost(named: "gw-1", actor: "test")
        let file = try StreamedFile.make()
        let a1 = CatalogLease(owner: "server A connection 1", server: "server A", seconds: 60)
        let a2 = CatalogLease(owner: "server A connection 2", server: "server A", seconds: 60)
        let b1 = CatalogLease(owner: "server B connection 1", server: "server B", seconds: 0.5)
        func hello(_ lease: CatalogLease) throws -> IngestPosition {
            try catalog.beginIngest(host: "gw-1", head: file.head, actor: "host:gw-1", lease: lease)
        }
        func send(_ index: Int, _ lease: CatalogLease?) throws -> IngestBatchOutcome {
            try catalog.appendIngest([catalog.prepareIngest(host: "gw-1", recordingID: file.id, chunks: [file.chunks[index]], lease: lease)])[0].get()
        }

        _ = try hello(a1)
        #expect(try catalog.leases() == [CatalogLease.ingest(file.id.uuidString.lowercased()): a1.owner])
        #expect { try hello(b1) } throws: { Self.refusedAsHeld($0) && "\($0)".contains("server A connection 1") }
        #expect(try send(0, a1).positions.count == 1)
        // A caller with no lease is refused too while one is held.
        #expect { try send(1, nil) } throws: { Self.refusedAsHeld($0) }
        // The host reconnected to the same server: its new connection takes over at once.
        _ = try hello(a2)
        let before = try storedSize(catalog, file.id)
        #expect { try send(1, a1) } throws: { Self.refusedAsHeld($0) }
        #expect(try storedSize(catalog, file.id) == before, "the fenced connection stored nothing")
        #expect(try send(1, a2).positions.count == 1)

        // The connection ended and let go: another server's connection takes it at once.
        try catalog.releaseLeases(owner: a2.owner)
        #expect(try catalog.leases().isEmpty)
        // The connection fenced off earlier does not get the free lease back by sending.
        #expect { try send(2, a1) } throws: { Self.refusedAsHeld($0) }
        #expect(try catalog.leases().isEmpty)
        #expect(try hello(b1).committedBytes == file.chunks[2].offset)
        #expect(try send(2, b1).positions.count == 1)
        // Server B goes away without letting go: once its lease expires, A takes over…
        #expect { try hello(a1) } throws: { Self.refusedAsHeld($0) }
        Thread.sleep(forTimeInterval: 0.8)
        #expect(try hello(a1).committedBytes == file.chunks[3].offset)
        // …and B, should it come back, stores nothing more.
        #expect { try send(3, b1) } throws: { Self.refusedAsHeld($0) }
        // Renewing B's leases renews none of A's.
        #expect(try catalog.renewLeases(owners: [b1.owner], seconds: 60) == 0)
        for index in 3..<file.chunks.count { _ = try send(index, a1) }
        let done = try catalog.finishIngest(host: "gw-1", recordingID: file.id, offset: file.trailerOffset, trailer: file.trailer, lease: a1)
        #expect(done.complete)
        #expect(try catalog.leases().isEmpty, "a complete recording holds no lease")
        #expect(try exported(catalog, try catalog.recording(file.id.uuidString.lowercased())) == file.bytes)
    }

    @Test("a server starting on this machine takes back at once the leases of servers that ran here and are gone; those of live processes and of other machines wait for their end",
          arguments: Engine.allCases)
    func goneProcessesLetGo(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        // A process that has ended: a child reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        func lease(_ identity: String) -> CatalogLease {
            CatalogLease(owner: identity + " server 1 connection 1", server: identity + " server 1", seconds: 60)
        }
        let gone = lease(Catalog.identity(pid: child.processIdentifier, tag: "aaaaaa"))
        let alive = lease(Catalog.identity(pid: getppid(), tag: "bbbbbb"))
        // This process's pid under another tag: the process before it (a restart as pid 1).
        let before = lease(Catalog.identity(pid: getpid(), tag: "dddddd"))
        let me = lease(Catalog.processIdentity)
        // Another machine, or another boot or container of this one, with a pid that is free here.
        let elsewhere = lease(Catalog.identity(pid: child.processIdentifier, tag: "cccccc").replacingOccurrences(of: " on \(Catalog.machine)", with: " on 0000-1"))
        try catalog.write { db in
            for (n, lease) in [gone, alive, before, me, elsewhere].enumerated() {
                try Catalog.claim(db, "ingest \(n)", lease, supersedingOwnServer: false, what: "Recording \(n)")
            }
        }
        #expect(try catalog.releaseLeasesOfGoneProcesses() == 2)
        #expect(Set(try catalog.leases().values) == [alive.owner, me.owner, elsewhere.owner])
    }

    @Test("a prune while another process holds the retention lease deletes nothing and names the holder; a dry run needs no lease; once let go, prune runs and lets go itself",
          arguments: Engine.allCases)
    func retentionLease(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        try write(try recordingBytes(), to: ws.path("old.psrec"))
        _ = try catalog.importRecording(path: ws.path("old.psrec"), actor: "test")
        let other = CatalogLease(owner: "prune on gw-2 pid 7", server: "gw-2 pid 7", seconds: 60)
        try catalog.write { db in try Catalog.claim(db, CatalogLease.retention, other, supersedingOwnServer: false, what: "Retention") }
        let now = Catalog.nowMicros
        #expect { try catalog.prune(olderThanMicros: 86_400_000_000, nowMicros: now, dryRun: false, by: admin) }
            throws: { Self.refusedAsHeld($0) && "\($0)".contains("prune on gw-2 pid 7") }
        #expect(try catalog.search(RecordingQuery(), as: admin).count == 1)
        #expect(try catalog.prune(olderThanMicros: 86_400_000_000, nowMicros: now, dryRun: true, by: admin).deleted.count == 1)
        try catalog.releaseLeases(owner: other.owner)
        #expect(try catalog.prune(olderThanMicros: 86_400_000_000, nowMicros: now, dryRun: false, by: admin).deleted.count == 1)
        #expect(try catalog.search(RecordingQuery(), as: admin).isEmpty)
        #expect(try catalog.leases().isEmpty)
    }
}

/// `SealState`: how a stored seal verdict reads, on both engines.
@Suite("Seal states from stored verdicts")
struct SealStateTests {
    @Test("a complete recording whose seals hold but with events after its last seal is failed (a recorder seals at the end); truncated, it is sealed or untrusted as its key is trusted",
          arguments: Engine.allCases)
    func unsealedTail(engine: Engine) throws {
        let ws = try Workspace(engine)
        let catalog = try ws.catalog()
        try write(try recordingBytes(), to: ws.path("a.psrec"))
        _ = try catalog.importRecording(path: ws.path("a.psrec"), actor: "test")
        let key = SealPublicKey(id: "gw-1", raw: Array(repeating: 9, count: 32))
        func state(status: String, unsealedChunks: Int) throws -> SealState? {
            try catalog.write { db in
                try db.execute(sql: "UPDATE recordings SET status = ?, seal_status = 'unverified', seal_key_fingerprint = ?, seal_unsealed_chunks = ?",
                               arguments: [status, key.fingerprint, unsealedChunks])
            }
            var query = RecordingQuery()
            let found = try catalog.search(query, as: admin).first?.seal
            query.seal = found
            #expect(try catalog.search(query, as: admin).count == 1, "search --seal \(found?.rawValue ?? "?") finds it")
            return found
        }
        #expect(try state(status: "complete", unsealedChunks: 0) == .untrusted)
        #expect(try state(status: "complete", unsealedChunks: 2) == .failed)
        #expect(try state(status: "truncated", unsealedChunks: 2) == .untrusted)
        try catalog.trustKey(key, by: admin)
        #expect(try state(status: "truncated", unsealedChunks: 2) == .sealed)
        #expect(try state(status: "complete", unsealedChunks: 2) == .failed)
        #expect(try state(status: "complete", unsealedChunks: 0) == .sealed)
    }
}
