import Foundation
import GRDB
import Logging
import NIOCore
import NIOSSL
import PsrecCatalog
import PsrecFormat
import PsrecNetwork
import PsrecStream
import PsrecTestSupport

/// A server in this process, on a free loopback port, over a fresh catalog.
final class TestServer: @unchecked Sendable {
    let dir: URL
    let db: String
    let catalog: Catalog
    let server: IngestServer
    let task: Task<Void, any Error>
    let port: Int

    init(tls: NIOSSLContext? = nil, interruptedAfter: TimeAmount = .seconds(120), idleTimeout: TimeAmount = .seconds(60),
         messageDeadline: TimeAmount = .seconds(120), maxConnections: Int = 1024, dir: URL? = nil, clientCertificates: Bool = false) async throws {
        self.dir = dir ?? CLI.tempDir()
        db = self.dir.appendingPathComponent("catalog.sqlite").path
        catalog = try Catalog(path: db, create: true, synchronousCommits: true, concurrentReads: true)
        var configuration = IngestServer.Configuration(host: "127.0.0.1", port: 0, tls: tls)
        configuration.interruptedAfter = interruptedAfter
        configuration.idleTimeout = idleTimeout
        configuration.messageDeadline = messageDeadline
        configuration.maxConnections = maxConnections
        configuration.clientCertificates = clientCertificates
        // PSREC_TEST_LOG=1 shows the server's log (debug level) while a test runs.
        let server = IngestServer(configuration: configuration, catalog: catalog, logger: ProcessInfo.processInfo.environment["PSREC_TEST_LOG"] != nil ? { var l = Logger(label: "test"); l.logLevel = .debug; return l }() : Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        self.server = server
        task = Task { try await server.run() }
        port = try await server.boundPort()
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    /// A new capture host's token.
    func token(_ name: String) throws -> [UInt8] {
        Array(try catalog.addHost(named: name, actor: "test").utf8)
    }

    func target(_ token: [UInt8], tls: NIOSSLContext? = nil) -> UploadTarget {
        UploadTarget(host: "127.0.0.1", port: port, tls: tls, token: token)
    }

    /// The bytes the catalog holds of a recording, in file order, with its status columns.
    func stored(_ id: UUID) throws -> (bytes: [UInt8], status: String, ingestState: String?, sha256: String) {
        let queue = try DatabaseQueue(path: db)
        return try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT id, status, ingest_state, sha256 FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()]) else {
                return ([], "absent", nil, "")
            }
            let chunks = try Data.fetchAll(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? ORDER BY file_offset", arguments: [row["id"] as Int64])
            return (chunks.flatMap { [UInt8]($0) }, row["status"], row["ingest_state"], row["sha256"])
        }
    }

    /// Audit rows whose action or detail mentions `text`.
    func auditRows(containing text: String) throws -> [String] {
        let queue = try DatabaseQueue(path: db)
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT action, detail FROM audit_log").map { "\($0["action"] as String? ?? "") \($0["detail"] as String? ?? "")" }
                .filter { $0.contains(text) }
        }
    }
}

/// Recordings made for the tests, with the writer's real chunking and indexes.
enum TestRecordings {
    /// Writes a terminal recording of `chunks` chunks (about `bytesPerChunk` of output each)
    /// with a command and a marker now and then, and returns its path and ID.
    static func write(in dir: URL, name: String, chunks: Int, bytesPerChunk: Int = 2000, seed: UInt64 = 1,
                      close: Bool = true, indexEvery: Int = 8) throws -> (path: String, id: UUID) {
        let path = dir.appendingPathComponent(name + ".psrec").path
        let meta = RecordingMetadata(startUnixMicros: 1_764_000_000_000_000, user: "alice", application: "web-prod",
                                     terminal: .init(cols: 80, rows: 24))
        var options = WriterOptions()
        options.chunkIntervalMicros = 1_000_000
        options.indexEveryChunks = indexEvery
        let writer = try RecordingWriter(path: path, metadata: meta, options: options)
        var generator = SeededGenerator(seed: seed)
        for c in 0..<chunks {
            let base = Int64(c) * 1_000_000
            let line = (0..<bytesPerChunk).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
            try writer.append(.output(line + Array("\r\n".utf8)), atMicros: base + 10)
            if c % 5 == 0 { try writer.append(.command("ls -l /tmp/\(c)"), atMicros: base + 20) }
            if c % 7 == 0 { try writer.append(.marker("step \(c)"), atMicros: base + 30) }
            try writer.flushIfDue(nowMicros: base + 1_000_000)
            try writer.flush()
        }
        if close { try writer.close(endMicros: Int64(chunks) * 1_000_000) }
        return (path, meta.recordingID)
    }

    /// The file's segments as the protocol sends them: head, chunks, trailer.
    static func segments(_ bytes: [UInt8]) -> (head: [UInt8], chunks: [(offset: Int64, bytes: [UInt8])], trailer: [UInt8]?) {
        func le32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let headEnd = 32 + 48 + le32(32 + 12)
        var chunks: [(Int64, [UInt8])] = []
        var at = headEnd
        while at + 48 <= bytes.count, bytes[at] == 0xF5 {
            let end = at + 48 + le32(at + 12)
            guard end <= bytes.count else { break }
            chunks.append((Int64(at), Array(bytes[at..<end])))
            at = end
        }
        let trailer = bytes.count - at == 80 ? Array(bytes[at...]) : nil
        return (Array(bytes[..<headEnd]), chunks, trailer)
    }
}

/// TLS material made with openssl: a CA, and a server certificate for 127.0.0.1 signed by it.
struct TestTLS {
    let dir: URL
    var caPEM: String { dir.appendingPathComponent("ca.pem").path }
    var certPEM: String { dir.appendingPathComponent("server.pem").path }
    var keyPEM: String { dir.appendingPathComponent("server.key").path }
    var otherCAPEM: String { dir.appendingPathComponent("other-ca.pem").path }

    init() throws {
        dir = CLI.tempDir()
        let d = dir.path
        let script = """
        set -e
        cd '\(d)'
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=psrec-test-ca 2>/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key -out other-ca.pem -days 2 -subj /CN=other-ca 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
        chmod 600 server.key ca.key other-ca.key
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl could not make the test certificates") }
    }

    func serverContext() throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certPEM).map { NIOSSLCertificateSource.certificate($0) }
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPEM, format: .pem))))
    }

    func clientContext(ca: String? = nil) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca ?? caPEM))
        return try NIOSSLContext(configuration: configuration)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A plain TCP client for sending what a well-behaved capture host never would.
final class RawClient {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { throw TestFailure("cannot connect to port \(port)") }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        var at = 0
        while at < bytes.count {
            let n = bytes[at...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            at += n
        }
    }

    func send(_ message: StreamMessage) { send(StreamCodec.encode(message)) }

    /// The next message, or nil when the server closed the connection (or 20 s passed).
    func receive() -> StreamMessage? {
        guard let prefix = read(5), let (type, length) = try? StreamCodec.prefix(prefix), let body = read(length) else { return nil }
        return try? StreamCodec.decodeBody(type: type, body)
    }

    /// True once the server has closed the connection (reads end).
    func closedByServer() -> Bool { read(1) == nil }

    private func read(_ count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        var at = 0
        while at < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + at, count - at, 0) }
            if n <= 0 { return nil }
            at += n
        }
        return bytes
    }
}
