import Foundation
import NIOPosix
import PsrecCatalog
import PsrecTestSupport
@testable import PsrecWeb
import Testing

/// What an outside review of the web application found, each fixed and kept fixed.
@Suite("Web hardening: slow clients, floods, HEAD, proxy header, audit detail")
struct WebHardeningTests {
    /// A connection on which `bytes` are sent and left open; `closed()` says whether the
    /// server has closed it (a read returns end of file) within `seconds`.
    final class OpenConnection {
        let fd: Int32
        init(port: Int, sending bytes: String) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw TestFailure("connect: \(errno)") }
            _ = Array(bytes.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        func closed(within seconds: Int) -> Bool {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return true }
                if n < 0 { return errno == ECONNRESET }
            }
        }
        deinit { close(fd) }
    }

    @Test("a connection that sends half a request head is closed after the idle timeout; one address holds at most the cap of connections, and others are served")
    func slowClients() async throws {
        let server = try await WebTestServer { $0.idleTimeoutSeconds = 1; $0.maxConnectionsPerAddress = 3 }
        defer { Task { await server.stop() } }
        let slow = try OpenConnection(port: server.port, sending: "GET /login HTTP/1.1\r\nHost: x\r\n")
        #expect(slow.closed(within: 10), "a half-sent head is closed after the idle timeout")
        let held = try (0..<3).map { _ in try OpenConnection(port: server.port, sending: "GET /login HTTP/1.1\r\nHost: x\r\n") }
        let extra = try OpenConnection(port: server.port, sending: "")
        #expect(extra.closed(within: 3), "a connection past the cap is closed at once")
        _ = held
        // Once the held ones are closed by the idle timeout, the address is served again.
        #expect(held.allSatisfy { $0.closed(within: 10) })
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(try await server.client().get("/login").status == 200)
    }

    @Test("the players' segments run on threads of their own: with those busy, logins and pages are still answered")
    func replayThreadsApart() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let release = DispatchSemaphore(value: 0)
        let application = try #require(server.application)
        for _ in 0..<4 {
            application.replayThreads.submit { _ in release.wait() }
        }
        defer { for _ in 0..<4 { release.signal() } }
        let client = try await server.loggedIn("alice")
        #expect(try await client.get("/").status == 200)
    }

    @Test("a duration past what microseconds hold is a 400, and the server goes on")
    func durationOverflow() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        for value in ["9999999999999999", "9999999999", "999999999w", "9999999999s"] {
            let answer = try await client.get("/?min-duration=\(value)")
            #expect(answer.status == 400, "\(value): \(answer.status)")
        }
        #expect(try await client.get("/").status == 200)
    }

    @Test("refused logins past the rate limit write one audit row per address and minute, not one per attempt")
    func rateLimitAudit() async throws {
        let server = try await WebTestServer { $0.loginWindowSeconds = 3600 }
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        for i in 0..<25 {
            _ = try await server.client().post("/login", form: ["user": "nobody\(i)", "password": "wrong password"])
        }
        let rows = try server.auditRows(action: "refused").filter { $0.detail?.contains("rate limit") == true }
        #expect(rows.count == 1, "\(rows)")
        #expect(try await server.client().post("/login", form: ["user": "alice", "password": "correct horse battery"]).status == 429)
    }

    @Test("HEAD answers as GET does, without a body: the same status, headers and checks")
    func head() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let id = try server.importRecording(user: "alice")
        let client = try await server.loggedIn("alice")
        let page = try await client.send(method: "HEAD", target: "/", headers: [], body: nil)
        #expect(page.status == 200 && page.body.isEmpty && page.header("Content-Type")?.hasPrefix("text/html") == true)
        #expect(page.header("Content-Security-Policy") != nil)
        let index = try await client.send(method: "HEAD", target: "/api/recordings/\(id)/index", headers: [], body: nil)
        #expect(index.status == 200 && index.body.isEmpty && index.header("Content-Type") == "application/json")
        #expect(try await server.client().send(method: "HEAD", target: "/", headers: [], body: nil).status == 303)
        try server.addUser("bob")
        let bob = try await server.loggedIn("bob")
        #expect(try await bob.send(method: "HEAD", target: "/recordings/\(id)", headers: [], body: nil).status == 403)
    }

    @Test("behind the proxy, the user header given twice is refused; a form with an Origin and no Host is refused")
    func headers() async throws {
        let server = try await WebTestServer { $0.trustedUserHeader = "X-Remote-User"; $0.trustedProxy = "127.0.0.1" }
        defer { Task { await server.stop() } }
        let twice = try await server.client().get("/", headers: [("X-Remote-User", "bob"), ("X-Remote-User", "alice")])
        #expect(twice.status == 400 && twice.body.contains("more than once"))
        #expect(try await server.client().get("/", headers: [("X-Remote-User", "bob")]).status == 200)
        let request = "POST /login HTTP/1.0\r\nConnection: close\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 25\r\n\r\nuser=bob&password=secret"
        let raw = try HTTPTestClient.exchange(Array(request.utf8), port: server.port)
        #expect(String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.0 403") || String(decoding: raw, as: UTF8.self).hasPrefix("HTTP/1.1 403"),
                "\(String(decoding: raw.prefix(200), as: UTF8.self))")
    }

    @Test("a search inside a recording is in the audit log with what was searched for")
    func searchAudited() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let id = try server.importRecording(user: "alice", outputs: ["the payroll export\r\n"])
        let client = try await server.loggedIn("alice")
        #expect(try await client.get("/api/recordings/\(id)/search?q=payroll+export").status == 200)
        #expect(try server.auditRows(action: "view").contains { $0.recording == id && $0.detail?.contains("web search for 'payroll export'") == true })
    }
}
