import Foundation
import Logging
import NIOCore
import PsrecCatalog
import PsrecFormat
import PsrecNetwork
import PsrecStream
import PsrecTestSupport
import Testing

/// What an outsider (no token, or a stolen one) tries against the ingest server. Each test
/// states what a secure server must do; a failing test is a weakness still there.
@Suite(.serialized) struct OutsiderAttackTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The resident memory of this process (the in-process server's included), in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return 0 }
        return kB * 1024
    }

    /// The 5-byte prefix of a chunk message of the largest length allowed.
    static var maximalChunkPrefix: [UInt8] {
        let length = UInt32(StreamMessageType.chunk.maxLength)
        return [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24), StreamMessageType.chunk.rawValue]
    }

    // MARK: - Memory held for unauthenticated peers

    @Test("A chunk declared before any hello is refused at its prefix, without waiting for (or buffering) its 32 MiB body")
    func chunkPrefixBeforeHello() async throws {
        let server = try await TestServer(idleTimeout: .seconds(30))
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        client.send(Self.maximalChunkPrefix + [UInt8](repeating: 0, count: 4096))
        let started = Date()
        let reply = client.receive()
        guard case .error(let code, _) = reply else {
            Issue.record("no refusal within \(Int(Date().timeIntervalSince(started))) s: the server waits for the 32 MiB body of an unauthenticated peer's chunk (got \(String(describing: reply)))")
            return
        }
        #expect(code == .malformed)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("Unauthenticated connections trickling maximal chunks do not make the server hold 32 MiB each")
    func unauthenticatedMemory() async throws {
        let server = try await TestServer(idleTimeout: .seconds(60), messageDeadline: .seconds(120))
        defer { Task { await server.stop() } }
        let connections = 12
        let block = [UInt8](repeating: 0x41, count: 1 << 20)
        let before = Self.residentBytes()
        var clients: [RawClient] = []
        for _ in 0..<connections {
            let client = try RawClient(port: server.port)
            // 31 MiB of the body: the message stays incomplete, the connection open.
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            client.send(Self.maximalChunkPrefix)
            for _ in 0..<31 { client.send(block) }
            clients.append(client)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        let grown = Self.residentBytes() - before
        #expect(grown < 100 << 20, "the server holds \(grown >> 20) MiB for \(connections) peers that never authenticated (1024 of them: \((grown >> 20) * 1024 / connections) MiB)")
        clients.removeAll()
    }

    @Test("Peers without a token cannot make the server write (and fsync) one audit row per connection without bound")
    func unauthenticatedAuditFlood() async throws {
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let attempts = 400
        let started = Date()
        for _ in 0..<attempts {
            let client = try RawClient(port: server.port)
            client.send(.hello(version: 1, token: Array("psrec_guess".utf8), head: [0]))
            _ = client.receive()
        }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let rows = try server.auditRows(containing: "unauthenticated").count
        #expect(rows <= 50, "\(attempts) unauthenticated connections in \(Int(Date().timeIntervalSince(started))) s wrote \(rows) synchronous audit rows (no rate limit or aggregation per peer)")
    }

    @Test("A refusal made by the message decoder (malformed prefix, stalled message) is audited like any other")
    func decoderRefusalsAudited() async throws {
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let client = try RawClient(port: server.port)
        client.send([0x01, 0x00, 0x00, 0x00, 0x7E])
        guard case .error(.malformed, _) = client.receive() else { Issue.record("no malformed refusal"); return }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try server.auditRows(containing: "malformed").count >= 1, "Spec/protocol.md#errors: every refusal is written to the audit log; this one is not")
    }

    // MARK: - Protocol state

    @Test("A chunk or an end after the trailer is refused as complete (not retryable), not as outOfOrder (retryable)")
    func chunkAfterComplete() async throws {
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let token = try server.token("gw-done")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "done", chunks: 4)
        let result = try await StreamUploader(target: server.target(token), path: path, logger: Self.quiet).run()
        #expect(result.position.complete)
        let parts = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        for extra in [StreamMessage.chunk(offset: result.position.committedBytes, bytes: parts.chunks.last!.bytes), .end(offset: result.position.committedBytes)] {
            let client = try RawClient(port: server.port)
            client.send(.hello(version: 1, token: token, head: parts.head))
            guard case .welcome(let position) = client.receive(), position.complete else { Issue.record("no welcome with complete = 1"); return }
            client.send(extra)
            let reply = client.receive()
            guard case .error(let code, _) = reply else { Issue.record("no refusal: \(String(describing: reply))"); continue }
            #expect(code == .complete, "a \(extra.type) after the trailer is answered \(code) (retryable: a capture host reconnects for ever)")
        }
        #expect(try server.stored(id).status == "complete")
    }

    @Test("Two connections racing the same chunk: one is stored, the other refused; a second head with the same recording ID (another salt) is a conflict")
    func racesAndHeads() async throws {
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let token = try server.token("gw-race")
        let id = UUID()
        let meta = RecordingMetadata(recordingID: id, startUnixMicros: 1_764_000_000_000_000, user: "alice", application: "web-prod", terminal: .init(cols: 80, rows: 24))
        var files: [[UInt8]] = []
        for name in ["first", "second"] {
            let path = server.dir.appendingPathComponent(name + ".psrec").path
            let writer = try RecordingWriter(path: path, metadata: meta, options: WriterOptions())
            try writer.append(.output(Array("hello from \(name)\r\n".utf8)), atMicros: 10)
            try writer.close(endMicros: 1_000_000)
            files.append(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))))
        }
        let a = TestRecordings.segments(files[0]), b = TestRecordings.segments(files[1])
        #expect(a.head != b.head, "the writer gave both files the same salt")
        let one = try RawClient(port: server.port), two = try RawClient(port: server.port)
        one.send(.hello(version: 1, token: token, head: a.head))
        two.send(.hello(version: 1, token: token, head: a.head))
        guard case .welcome = one.receive(), case .welcome = two.receive() else { Issue.record("no welcomes"); return }
        one.send(.chunk(offset: a.chunks[0].offset, bytes: a.chunks[0].bytes))
        two.send(.chunk(offset: a.chunks[0].offset, bytes: a.chunks[0].bytes))
        let replies = [one.receive(), two.receive()]
        let acks = replies.filter { if case .ack = $0 { true } else { false } }.count
        #expect(acks == 1, "\(replies)")
        #expect(try server.stored(id).bytes == a.head + a.chunks[0].bytes)
        let other = try RawClient(port: server.port)
        other.send(.hello(version: 1, token: token, head: b.head))
        guard case .error(let code, _) = other.receive() else { Issue.record("a second head was welcomed"); return }
        #expect(code == .conflict)
        #expect(try server.stored(id).bytes == a.head + a.chunks[0].bytes)
    }

    // MARK: - Authentication

    @Test("Tokens that are empty, hold a NUL, a newline, or are oversized are refused as unauthenticated")
    func tokenEdgeCases() async throws {
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let token = try server.token("gw-tok")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "tok", chunks: 2)
        let head = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))).head
        let candidates: [[UInt8]] = [[], token + [0], token + [0x0A], [0] + token, Array(token.dropLast()),
                                     Array(token.prefix(6)), token + [UInt8](repeating: 0x30, count: 256 - token.count),
                                     token.map { $0 >= 0x61 && $0 <= 0x66 ? $0 - 0x20 : $0 }, [0xC3] + token.dropFirst()]
        for candidate in candidates {
            let client = try RawClient(port: server.port)
            client.send(.hello(version: 1, token: candidate, head: head))
            let reply = client.receive()
            guard case .error(let code, _) = reply else { Issue.record("token \(candidate) got \(String(describing: reply))"); continue }
            #expect(code == .unauthenticated)
        }
        #expect(try server.stored(id).status == "absent")
    }

    // MARK: - What the server tells an outsider

    @Test("A refusal when the catalog is busy does not tell the capture host the server's catalog path")
    func busyRefusalHidesPath() async throws {
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let catalog = try Catalog(path: db, create: true, busyTimeoutSeconds: 0.3, synchronousCommits: true, concurrentReads: true)
        let token = Array(try catalog.addHost(named: "gw-busy", actor: "test").utf8)
        let server = IngestServer(configuration: .init(host: "127.0.0.1", port: 0, tls: nil), catalog: catalog, logger: Self.quiet)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = try await server.boundPort()
        let (path, _) = try TestRecordings.write(in: dir, name: "busy", chunks: 2)
        let head = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))).head
        // Another process holds the catalog's write lock (an import, a prune).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('held', flush=True); time.sleep(8)", db]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        defer { holder.terminate() }
        _ = out.fileHandleForReading.readData(ofLength: 4)
        let client = try RawClient(port: port)
        client.send(.hello(version: 1, token: token, head: head))
        let reply = client.receive()
        guard case .error(let code, let sentence) = reply else { Issue.record("no refusal: \(String(describing: reply))"); return }
        #expect(code == .unavailable)
        #expect(!sentence.contains(dir.path), "the capture host is told the server's path: \(sentence)")
    }

    @Test("Control characters and escape sequences a capture host puts in its metadata do not reach the server's log unescaped")
    func logInjection() async throws {
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let catalog = try Catalog(path: db, create: true, synchronousCommits: true, concurrentReads: true)
        let token = Array(try catalog.addHost(named: "gw-log", actor: "test").utf8)
        let lines = LineBox()
        let server = IngestServer(configuration: .init(host: "127.0.0.1", port: 0, tls: nil), catalog: catalog,
                                  logger: Logger(label: "capture", factory: { _ in CapturingLogHandler(lines: lines) }))
        let task = Task { try await server.run() }
        defer { task.cancel() }
        let port = try await server.boundPort()
        let evil = "ssh\u{1B}]0;owned\u{07}\u{1B}[2J\n2026-12-03T00:00:00+0000 info psrec.serve : recording complete host=gw-admin"
        let path = dir.appendingPathComponent("evil.psrec").path
        let writer = try RecordingWriter(path: path, metadata: RecordingMetadata(sessionProtocol: .init(rawValue: evil), startUnixMicros: 1_764_000_000_000_000,
                                                                                 user: "mallory", application: "web\u{1B}[31m-prod"), options: WriterOptions())
        try writer.close(endMicros: 1_000)
        let head = TestRecordings.segments(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))).head
        let client = try RawClient(port: port)
        client.send(.hello(version: 1, token: token, head: head))
        let reply = client.receive()
        try await Task.sleep(nanoseconds: 300_000_000)
        if case .error(_, let sentence) = reply {
            #expect(!sentence.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }, "the refusal sentence carries control characters: \(sentence.debugDescription)")
        }
        let logged = lines.all
        let raw = logged.filter { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        #expect(raw.isEmpty, "log lines with raw control characters from the network: \(raw.map(\.debugDescription))")
    }

    // MARK: - The capture host's spool

    @Test("upload of a spool folder does not follow a symlink planted there to a recording elsewhere")
    func uploadSymlinkInSpool() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let token = try server.token("gw-spool")
        let tokenFile = server.dir.appendingPathComponent("spool.token").path
        FileManager.default.createFile(atPath: tokenFile, contents: Data(token + [0x0A]), attributes: [.posixPermissions: 0o600])
        let elsewhere = server.dir.appendingPathComponent("private")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let (secretPath, secretID) = try TestRecordings.write(in: elsewhere, name: "secret", chunks: 3)
        let spool = server.dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: spool.appendingPathComponent("planted.psrec").path, withDestinationPath: secretPath)
        let upload = try CLI.run(["upload", "--server", "psrec+insecure://127.0.0.1:\(server.port)", "--token-file", tokenFile, spool.path])
        #expect(try server.stored(secretID).status == "absent", "a symlink in the spool sent \(secretPath) to the server: \(upload.text) \(upload.stderr)")
        #expect(FileManager.default.fileExists(atPath: secretPath))
    }
}

/// Collects each log record as StreamLogHandler would print it: message, then metadata.
struct CapturingLogHandler: LogHandler {
    let lines: LineBox
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(explicit ?? [:]) { $1 }
        let text = "\(level) \(message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append(text)
    }
}

/// Log lines, from any thread.
final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
