import Foundation
import Logging
import NIOCore
import PsrecCatalog
import PsrecFormat
import PsrecNetwork
import PsrecStream
import PsrecTestSupport
import Testing

/// `psrec serve`'s ingest over real sockets on loopback, into a real SQLite catalog.
@Suite(.serialized) struct IngestServerTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("Recordings sent over TLS are in the catalog byte for byte, complete")
    func tlsUploadIsByteIdentical() async throws {
        let tls = try TestTLS()
        let server = try await TestServer(tls: try tls.serverContext())
        defer { Task { await server.stop() } }
        let token = try server.token("gw-1")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "one", chunks: 30)
        let result = try await StreamUploader(target: server.target(token, tls: try tls.clientContext()), path: path, logger: Self.quiet).run()
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(result.position.complete)
        #expect(result.position.committedBytes == Int64(file.count))
        let stored = try server.stored(id)
        #expect(stored.bytes == file)
        #expect(stored.status == "complete")
        #expect(stored.ingestState == nil)
        #expect(!stored.sha256.isEmpty)
        // The same file again: nothing to send.
        let again = try await StreamUploader(target: server.target(token, tls: try tls.clientContext()), path: path, logger: Self.quiet).run()
        #expect(again.segmentsSent == 0)
    }

    @Test("50 recorders at once: every recording byte for byte")
    func concurrentRecorders() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-many")
        var files: [(String, UUID)] = []
        for n in 0..<50 {
            files.append(try TestRecordings.write(in: server.dir, name: "r\(n)", chunks: 5 + n % 11, bytesPerChunk: 500 + 37 * n, seed: UInt64(n)))
        }
        try await withThrowingTaskGroup(of: UploadResult.self) { group in
            for (path, _) in files {
                group.addTask { try await StreamUploader(target: server.target(token), path: path, logger: Self.quiet).run() }
            }
            for try await result in group { #expect(result.position.complete) }
        }
        for (path, id) in files {
            let stored = try server.stored(id)
            #expect(stored.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), "\(path)")
            #expect(stored.status == "complete")
        }
    }

    @Test("A recorder killed mid-session: the server keeps what came, interrupted; the rest completes it later")
    func resumeAfterTheRecorderStopped() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-2")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "full", chunks: 20)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = TestRecordings.segments(file)
        // The spool as a killed recorder leaves it: 12 whole chunks and half of the next.
        let cut = Int(parts.chunks[12].offset) + parts.chunks[12].bytes.count / 2
        let partial = server.dir.appendingPathComponent("partial.psrec").path
        try Data(file[..<cut]).write(to: URL(fileURLWithPath: partial))
        let first = try await StreamUploader(target: server.target(token), path: partial, logger: Self.quiet).run()
        #expect(!first.position.complete)
        #expect(first.position.committedBytes == parts.chunks[12].offset)
        var stored = try server.stored(id)
        #expect(stored.bytes == Array(file[..<Int(parts.chunks[12].offset)]))
        #expect(stored.ingestState == "interrupted", "first upload: \(first)")
        #expect(stored.status == "truncated")
        // The whole file later (psrec upload after repair, or the recorder's spool grown): only the rest is sent.
        let second = try await StreamUploader(target: server.target(token), path: path, logger: Self.quiet).run()
        #expect(second.position.complete)
        #expect(second.segmentsSent == parts.chunks.count - 12 + 1)
        stored = try server.stored(id)
        #expect(stored.bytes == file)
        #expect(stored.status == "complete")
        #expect(stored.ingestState == nil)
    }

    @Test("A recording followed while it is written is in the catalog as live, chunk by chunk")
    func followingAGrowingFile() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-3")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "grow", chunks: 16)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = TestRecordings.segments(file)
        let spool = server.dir.appendingPathComponent("spool.psrec").path
        let headAndTwo = Int(parts.chunks[2].offset)
        try Data(file[..<headAndTwo]).write(to: URL(fileURLWithPath: spool))
        let uploader = StreamUploader(target: server.target(token), path: spool, following: true, logger: Self.quiet)
        let upload = Task { try await uploader.run() }
        // The first chunks arrive while the "recorder" is still writing.
        var live = try server.stored(id)
        for _ in 0..<200 where live.bytes.count < headAndTwo {
            try await Task.sleep(nanoseconds: 20_000_000)
            live = try server.stored(id)
        }
        #expect(live.bytes == Array(file[..<headAndTwo]))
        #expect(live.ingestState == "live")
        // The rest is written in pieces that cut chunks in half.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spool))
        handle.seekToEndOfFile()
        var at = headAndTwo
        while at < file.count {
            let next = min(file.count, at + 1777)
            handle.write(Data(file[at..<next]))
            at = next
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        try handle.close()
        uploader.finish()
        let result = try await upload.value
        #expect(result.position.complete)
        #expect(try server.stored(id).bytes == file)
    }

    @Test("A followed file is sent as it is written and ends as soon as the recorder stops, with a minute between looks at it")
    func followingWakesOnWritesAndFinish() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-wake")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "wake", chunks: 8)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = TestRecordings.segments(file)
        let spool = server.dir.appendingPathComponent("wake-spool.psrec").path
        try Data(parts.head).write(to: URL(fileURLWithPath: spool))
        // Were the uploader to wait for its timeout, each step below would take a minute.
        let uploader = StreamUploader(target: server.target(token), path: spool, following: true, logger: Self.quiet,
                                      followTimeout: .seconds(60))
        let upload = Task { try await uploader.run() }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spool))
        handle.seekToEndOfFile()
        let clock = ContinuousClock()
        for chunk in parts.chunks.prefix(3) {
            handle.write(Data(chunk.bytes))
            let end = Int(chunk.offset) + chunk.bytes.count
            let written = clock.now
            var stored = try server.stored(id).bytes.count
            while stored < end && clock.now - written < .seconds(10) {
                try await Task.sleep(nanoseconds: 5_000_000)
                stored = try server.stored(id).bytes.count
            }
            #expect(stored == end, "the chunk at \(chunk.offset) was not sent within 10 s of being written")
        }
        // The other chunks, not the trailer: a recorder that stops without one. The uploader
        // has sent them and sleeps again when the recorder says it has stopped.
        let chunksEnd = Int(parts.chunks.last!.offset) + parts.chunks.last!.bytes.count
        handle.write(Data(file[Int(parts.chunks[3].offset)..<chunksEnd]))
        try handle.close()
        let written = clock.now
        while try server.stored(id).bytes.count < chunksEnd && clock.now - written < .seconds(10) {
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        let stopped = clock.now
        uploader.finish()
        let result = try await upload.value
        #expect(clock.now - stopped < .seconds(10), "finish() did not wake the uploader")
        #expect(!result.position.complete)
        #expect(result.position.committedBytes == Int64(chunksEnd))
        #expect(try server.stored(id).bytes == Array(file[..<chunksEnd]))
    }

    @Test("Live recordings silent past the grace period become interrupted")
    func interruptedAfterGrace() async throws {
        let server = try await TestServer(interruptedAfter: .milliseconds(400))
        defer { Task { await server.stop() } }
        let token = try server.token("gw-4")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "cut", chunks: 6)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = TestRecordings.segments(file)
        let client = try RawClient(port: server.port)
        client.send(.hello(version: 1, token: token, head: parts.head))
        guard case .welcome = client.receive() else { Issue.record("no welcome"); return }
        client.send(.chunk(offset: parts.chunks[0].offset, bytes: parts.chunks[0].bytes))
        guard case .ack = client.receive() else { Issue.record("no ack"); return }
        #expect(try server.stored(id).ingestState == "live")
        var state = try server.stored(id).ingestState
        for _ in 0..<100 where state == "live" {
            try await Task.sleep(nanoseconds: 50_000_000)
            state = try server.stored(id).ingestState
        }
        #expect(state == "interrupted")
    }
}

/// `psrec play --db DB ID --follow` on a recording streamed while it plays.
@Suite struct FollowTests {
    @Test("play --follow shows what has arrived, then each chunk as it arrives, and ends when the recording is complete")
    func followsALiveRecording() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-follow")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "watched", chunks: 12)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let parts = TestRecordings.segments(file)
        let spool = server.dir.appendingPathComponent("watched-spool.psrec").path
        try Data(file[..<Int(parts.chunks[3].offset)]).write(to: URL(fileURLWithPath: spool))
        let uploader = StreamUploader(target: server.target(token), path: spool, following: true, logger: IngestServerTests.quiet)
        let upload = Task { try await uploader.run() }
        for _ in 0..<200 where try server.stored(id).bytes.count < Int(parts.chunks[3].offset) { try await Task.sleep(nanoseconds: 20_000_000) }
        // An auditor starts watching while the session is live.
        let play = Process()
        play.executableURL = CLI.binary
        play.arguments = ["play", "--db", server.db, id.uuidString.lowercased(), "--follow", "-s", "1024"]
        let out = Pipe(), err = Pipe()
        play.standardOutput = out
        play.standardError = err
        try play.run()
        let collected = ResultCollector()
        let reader = Thread { collected.set(out.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        try await Task.sleep(nanoseconds: 600_000_000)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: spool))
        handle.seekToEndOfFile()
        handle.write(Data(file[Int(parts.chunks[3].offset)...]))
        try handle.close()
        try await Task.sleep(nanoseconds: 600_000_000)
        uploader.finish()
        #expect(try await upload.value.position.complete)
        let deadline = Date().addingTimeInterval(20)
        while play.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if play.isRunning { play.terminate() }
        #expect(play.terminationStatus == 0)
        for _ in 0..<100 where collected.get() == nil { try await Task.sleep(nanoseconds: 20_000_000) }
        let cat = try CLI.run(["cat", path])
        #expect(collected.get().map { [UInt8]($0) } == cat.stdout, "the followed output differs from the recording's")
        #expect(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("has ended"))
    }
}

/// Data handed from a reading thread to the test.
final class ResultCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}

/// The server's disk full: a small tmpfs under its catalog.
@Suite(.serialized) struct DiskFullTests {
    /// True when this process may mount a tmpfs (root on this machine, and in CI).
    static let canMount: Bool = {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        guard Mounting.mount(["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir.path]) else { return false }
        return Mounting.mount([dir.path], command: "umount")
    }()

    @Test("Disk full: the server refuses with unavailable and stores nothing half; once space returns the upload resumes and completes", .enabled(if: canMount))
    func diskFull() async throws {
        let dir = CLI.tempDir()
        let volume = dir.appendingPathComponent("volume")
        try FileManager.default.createDirectory(at: volume, withIntermediateDirectories: true)
        #expect(Mounting.mount(["-t", "tmpfs", "-o", "size=3m", "tmpfs", volume.path]))
        defer { _ = Mounting.mount(["-l", volume.path], command: "umount") }
        let server = try await TestServer(dir: volume)
        defer { Task { await server.stop() } }
        let token = try server.token("gw-full")
        // About 6 MB of output that does not compress: more than the volume holds.
        let (path, id) = try TestRecordings.write(in: dir, name: "big", chunks: 60, bytesPerChunk: 100_000)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let target = server.target(token)
        do {
            _ = try await StreamUploader(target: target, path: path, logger: IngestServerTests.quiet, initialBackoff: .milliseconds(20),
                                         maxBackoff: .milliseconds(50), maxAttempts: 3).run()
            Issue.record("the upload completed on a full disk")
        } catch {
            #expect(error.message.contains("disk is full"), "\(error.message)")
        }
        let partial = try server.stored(id)
        #expect(partial.bytes.count > 0 && partial.bytes.count < file.count)
        #expect(partial.bytes == Array(file.prefix(partial.bytes.count)), "what the server holds is a prefix of the file")
        // Space returns.
        #expect(Mounting.mount(["-o", "remount,size=64m", volume.path]))
        let result = try await StreamUploader(target: target, path: path, logger: IngestServerTests.quiet).run()
        #expect(result.position.complete)
        // The refusals are in the audit log: written at once, or, when the full disk kept
        // them back, with the next refusal. Make one (a wrong token) and wait for it.
        _ = try? await StreamUploader(target: server.target(Array("psrec_wrong".utf8)), path: path, logger: IngestServerTests.quiet, maxAttempts: 1).run()
        var audited = 0
        for _ in 0..<100 where audited == 0 {
            audited = try server.auditRows(containing: "unavailable").count
            if audited == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
        }
        #expect(audited >= 1)
        #expect(try server.stored(id).bytes == file)
    }
}

enum Mounting {
    /// Runs mount (or umount) and says whether it succeeded.
    static func mount(_ arguments: [String], command: String = "mount") -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
