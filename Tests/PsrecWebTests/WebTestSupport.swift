import Foundation
import Logging
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
@testable import PsrecWeb
import HummingbirdBcrypt
@testable import PsrecNetwork

/// A web application in this process, on a free loopback port, over a fresh catalog.
final class WebTestServer: @unchecked Sendable {
    let dir: URL
    let db: String
    let catalog: Catalog
    let task: Task<Void, any Error>
    let port: Int
    /// The application the server runs.
    let application: WebApplication?
    /// The server's own threads: the suite's synchronous tests block cooperative threads.
    let executor = DedicatedExecutor(threads: 2, name: "test-web")

    init(configure: (inout WebConfiguration) -> Void = { _ in }, dir: URL? = nil) async throws {
        self.dir = dir ?? CLI.tempDir()
        db = self.dir.appendingPathComponent("catalog.sqlite").path
        // As psrec serve opens it: readers beside one writer, shared with the ingest server.
        catalog = try Catalog(path: db, create: true, concurrentReads: true)
        var configuration = WebConfiguration(host: "127.0.0.1", port: 0, tls: nil)
        configure(&configuration)
        let server = try WebServer(configuration: configuration, catalog: catalog,
                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), executor: executor)
        application = server.responder
        task = Task { try await server.run() }
        port = await server.boundPort()
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
        executor.shutdown()
    }

    /// Adds a web user with `password` (bcrypt at a low cost: the tests check logins, not
    /// the cost).
    func addUser(_ name: String, password: String = "correct horse battery") throws {
        try catalog.addWebUser(name, bcryptHash: Bcrypt.hash(password, cost: 4), actor: "admin:test")
    }

    /// Imports a recording made with the library and returns its UUID (lowercase).
    @discardableResult
    func importRecording(user: String? = "alice", application: String? = "db-prod", host: String? = "web1",
                         sessionProtocol: RecordingMetadata.SessionProtocol = .ssh, start: Int64 = 1_700_000_000_000_000,
                         owner: String? = nil, seconds: Int = 5, outputs: [String] = [], indicators: [Event] = [], deferText: Bool = false) throws -> String {
        let id = UUID()
        let sink = MemorySink()
        let meta = RecordingMetadata(recordingID: id, sessionProtocol: sessionProtocol, startUnixMicros: start, user: user, application: application,
                                     host: host, owner: owner ?? user)
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: WriterOptions(codec: .zstd))
        var t: Int64 = 0
        for second in 0..<seconds {
            t = Int64(second) * 1_000_000
            try writer.output(Array("$ line \(second) of the session\r\n".utf8), atMicros: t)
        }
        for (i, text) in outputs.enumerated() { try writer.output(Array(text.utf8), atMicros: t + Int64(i + 1) * 10_000) }
        for (i, event) in indicators.enumerated() { try writer.append(event, atMicros: t + Int64(i + 1) * 20_000) }
        try writer.close()
        let path = dir.appendingPathComponent("\(id).psrec").path
        try Data(sink.bytes).write(to: URL(fileURLWithPath: path))
        _ = try catalog.importRecording(path: path, actor: "test", deferText: deferText)
        return id.uuidString.lowercased()
    }

    func auditRows(action: String) throws -> [(actor: String, recording: String?, detail: String?)] {
        try catalog.database.read { db in
            try Row.fetchAll(db, sql: "SELECT actor, recording_uuid, detail FROM audit_log WHERE action = ? ORDER BY id", arguments: [action])
                .map { ($0["actor"], $0["recording_uuid"], $0["detail"]) }
        }
    }

    /// One integer the SQL gives (a count).
    func count(_ sql: String) throws -> Int {
        try catalog.database.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    func strings(_ sql: String) throws -> [String] {
        try catalog.database.read { db in try String.fetchAll(db, sql: sql) }
    }

    func execute(_ sql: String) throws {
        try catalog.database.write { db in try db.execute(sql: sql) }
    }

    /// An HTTP client for this server.
    func client() -> HTTPTestClient { HTTPTestClient(port: port) }

    /// A client logged in as `user`.
    func loggedIn(_ user: String, password: String = "correct horse battery") async throws -> HTTPTestClient {
        let client = client()
        let answer = try await client.post("/login", form: ["user": user, "password": password])
        guard answer.status == 303, client.cookie != nil else { throw TestFailure("login of \(user) answered \(answer.status): \(answer.body)") }
        return client
    }
}

import GRDB

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// An HTTP answer as the test client read it.
struct HTTPAnswer {
    var status: Int
    var headers: [(String, String)]
    var body: String

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    /// The value of the page's hidden CSRF field.
    var csrf: String? {
        guard let range = body.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// A tiny HTTP/1.1 client over a raw socket (one request per connection, `Connection:
/// close`), so that tests can send what no well-behaved client would: bad encodings,
/// `..` in paths, huge targets. Its blocking I/O runs on a thread of its own, never on the
/// cooperative pool the server's tasks need.
final class HTTPTestClient: @unchecked Sendable {
    let port: Int
    var cookie: String?

    init(port: Int) { self.port = port }

    func get(_ target: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        try await send(method: "GET", target: target, headers: headers, body: nil)
    }

    func post(_ target: String, form: [String: String], headers: [(String, String)] = []) async throws -> HTTPAnswer {
        let body = form.sorted { $0.key < $1.key }.map { "\($0.key)=\(HTMLText.queryValue($0.value))" }.joined(separator: "&")
        return try await post(target, body: body, headers: headers)
    }

    func post(_ target: String, body: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
        try await send(method: "POST", target: target, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers, body: Array(body.utf8))
    }

    func send(method: String, target: String, headers: [(String, String)], body: [UInt8]?) async throws -> HTTPAnswer {
        var request = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let cookie { request += "Cookie: \(cookie)\r\n" }
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Length: \(body.count)\r\n" }
        let bytes = Array((request + "\r\n").utf8) + (body ?? [])
        let port = self.port
        let raw: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try Self.exchange(bytes, port: port) }) }.start()
        }
        let answer = try Self.parse(raw)
        for value in answer.headers("Set-Cookie") {
            let pair = value.split(separator: ";")[0]
            if value.contains("Max-Age=0") { cookie = nil } else { cookie = String(pair) }
        }
        return answer
    }

    /// Sends `bytes` on a new connection to the loopback `port` and reads until it closes.
    static func exchange(_ bytes: [UInt8], port: Int) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else { throw TestFailure("connect: \(errno)") }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[..<n]
        }
        return out
    }

    private static func parse(_ raw: [UInt8]) throws -> HTTPAnswer {
        let text = String(decoding: raw, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { throw TestFailure("no HTTP answer: \(text.prefix(200))") }
        let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestFailure("bad status line \(lines[0])") }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var body = String(text[end.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased() == "chunked" }) {
            body = dechunk(body)
        }
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ text: String) -> String {
        var rest = Substring(text), out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}
