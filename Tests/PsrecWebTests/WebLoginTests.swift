import Foundation
import Logging
import NIOSSL
import PsrecTestSupport
import PsrecCatalog
@testable import PsrecWeb
import Testing

@Suite("Web login, sessions and CSRF")
struct WebLoginTests {
    @Test("a right password logs in: 303 to /, a session cookie that is HttpOnly, SameSite=Strict, Path=/; the catalog keeps only its SHA-256")
    func loginOK() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = server.client()
        let answer = try await client.post("/login", form: ["user": "alice", "password": "correct horse battery"])
        #expect(answer.status == 303 && answer.header("Location") == "/")
        let cookie = try #require(answer.header("Set-Cookie"))
        #expect(cookie.hasPrefix("psrec-session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
        #expect(!cookie.contains("Secure"), "plain HTTP on loopback has no Secure cookie")
        let token = String(try #require(client.cookie).dropFirst("psrec-session=".count))
        let stored = try server.strings("SELECT token_sha256 FROM web_sessions")
        #expect(stored.count == 1 && stored[0] != token && stored[0].count == 64)
        let page = try await client.get("/")
        #expect(page.status == 200 && page.body.contains("alice") && page.body.contains("Log out"))
        #expect(try server.auditRows(action: "login").first?.detail?.contains("127.0.0.1") == true)
    }

    @Test("with TLS the cookie is __Host- and Secure")
    func secureCookie() throws {
        var configuration = WebConfiguration(host: "127.0.0.1", port: 0, tls: nil)
        configuration.tls = .makeClientConfiguration()
        let app = WebApplication(configuration: configuration, catalog: try Catalog(path: CLI.tempDir().appendingPathComponent("c.db").path, create: true), logger: .init(label: "t"))
        let cookie = app.sessionCookie(String(repeating: "a", count: 64))
        #expect(cookie.hasPrefix("__Host-psrec-session=") && cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
    }

    @Test("a wrong password, an unknown user and a disabled user are refused alike, with 401, no cookie and an audit row")
    func loginRefused() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        try server.addUser("carol")
        try server.catalog.setWebUserDisabled("carol", true, actor: "admin:test")
        for (user, password) in [("alice", "wrong password here"), ("nobody", "correct horse battery"), ("carol", "correct horse battery")] {
            let client = server.client()
            let answer = try await client.post("/login", form: ["user": user, "password": password])
            #expect(answer.status == 401 && answer.header("Set-Cookie") == nil && client.cookie == nil)
            #expect(answer.body.contains("The user name or the password is wrong, or the user is disabled."))
        }
        #expect(try server.auditRows(action: "refused").filter { $0.detail?.contains("failed web login from 127.0.0.1") == true }.count == 3)
    }

    @Test("disabling a user ends their open sessions at once")
    func disableEndsSessions() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        #expect(try await client.get("/").status == 200)
        try server.catalog.setWebUserDisabled("alice", true, actor: "admin:test")
        let after = try await client.get("/")
        #expect(after.status == 303 && after.header("Location") == "/login")
    }

    @Test("login attempts past 10 a minute from one address, or for one user, get 429 with a sentence, even with the right password")
    func rateLimit() async throws {
        let server = try await WebTestServer { $0.loginWindowSeconds = 3600 }
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        for _ in 0..<10 {
            #expect(try await server.client().post("/login", form: ["user": "alice", "password": "not the password"]).status == 401)
        }
        let limited = try await server.client().post("/login", form: ["user": "alice", "password": "correct horse battery"])
        #expect(limited.status == 429 && limited.body.contains("Too many login attempts") && limited.header("Set-Cookie") == nil)
        #expect(try server.auditRows(action: "refused").contains { $0.detail?.contains("rate limit") == true })
        let limiter = LoginRateLimiter(limit: 2, windowSeconds: 60)
        #expect(limiter.admit(address: "a", user: "x", now: 0) && limiter.admit(address: "b", user: "x", now: 1))
        #expect(!limiter.admit(address: "c", user: "x", now: 2), "per user, whichever address")
        #expect(limiter.admit(address: "a", user: "y", now: 3), "address a has had one attempt, user y none")
        #expect(!limiter.admit(address: "a", user: "z", now: 4), "per address, whichever user")
        #expect(limiter.admit(address: "a", user: "z", now: 64), "a minute later the window has passed")
    }

    @Test("logout needs the session's CSRF token (missing or wrong: 403 and an audit row) and then ends the session server-side")
    func logoutAndCSRF() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        let page = try await client.get("/")
        let csrf = try #require(page.csrf)
        let savedCookie = client.cookie
        #expect(try await client.post("/logout", form: [:]).status == 403)
        #expect(try await client.post("/logout", form: ["csrf": String(repeating: "0", count: 64)]).status == 403)
        #expect(try server.auditRows(action: "refused").filter { $0.detail?.contains("CSRF") == true }.count == 2)
        #expect(try await client.get("/").status == 200, "a refused logout leaves the session open")
        let out = try await client.post("/logout", form: ["csrf": csrf])
        #expect(out.status == 303 && out.header("Set-Cookie")?.contains("Max-Age=0") == true)
        // The old cookie, replayed, opens nothing: the session is gone from the catalog.
        let replay = server.client()
        replay.cookie = savedCookie
        #expect(try await replay.get("/").status == 303)
        #expect(try server.count("SELECT count(*) FROM web_sessions") == 0)
        #expect(try server.auditRows(action: "logout").count == 1)
    }

    @Test("a form sent from another site (Origin) is refused with 403")
    func crossOrigin() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let answer = try await server.client().post("/login", form: ["user": "alice", "password": "correct horse battery"], headers: [("Origin", "https://evil.example")])
        #expect(answer.status == 403)
    }

    @Test("a session ends after 30 minutes idle or 12 hours in all, and is deleted")
    func expiry() throws {
        let catalog = try Catalog(path: CLI.tempDir().appendingPathComponent("c.db").path, create: true)
        try catalog.addWebUser("alice", bcryptHash: "$2b$04$x", actor: "t")
        let minute: Int64 = 60_000_000
        func isOpen(_ token: String, at micros: Int64) throws -> Bool {
            try catalog.webSession(token: token, limits: .standard, address: nil, nowMicros: micros) != nil
        }
        let (idle, opened) = try catalog.openWebSession(for: "alice", address: "127.0.0.1")
        let t0 = opened.createdMicros
        #expect(try isOpen(idle, at: t0 + 29 * minute))
        #expect(try !isOpen(idle, at: t0 + 29 * minute + 31 * minute))
        #expect(try !isOpen(idle, at: t0), "an expired session is deleted")
        let (busy, busyOpened) = try catalog.openWebSession(for: "alice", address: "127.0.0.1")
        let t1 = busyOpened.createdMicros
        var now = t1
        while now < t1 + 12 * 60 * minute - 20 * minute {
            now += 20 * minute
            #expect(try isOpen(busy, at: now))
        }
        #expect(try !isOpen(busy, at: t1 + 12 * 60 * minute + 1), "12 hours after the login, however busy")
    }

    @Test("the trusted proxy's user header is believed from its address only")
    func trustedProxy() async throws {
        let trusted = try await WebTestServer { $0.trustedUserHeader = "X-Remote-User"; $0.trustedProxy = "127.0.0.1" }
        defer { Task { await trusted.stop() } }
        let page = try await trusted.client().get("/", headers: [("X-Remote-User", "bob")])
        #expect(page.status == 200 && page.body.contains("bob") && !page.body.contains("Log out"))
        try trusted.addUser("zoe")
        try trusted.catalog.setWebUserDisabled("zoe", true, actor: "admin:test")
        #expect(try await trusted.client().get("/", headers: [("X-Remote-User", "zoe")]).status == 403, "a disabled user is refused behind the proxy too")
        #expect(try await trusted.client().get("/", headers: [("X-Remote-User", "admin:root")]).status == 403, "a name that cannot be a user's")
        let other = try await WebTestServer { $0.trustedUserHeader = "X-Remote-User"; $0.trustedProxy = "127.0.0.2" }
        defer { Task { await other.stop() } }
        let ignored = try await other.client().get("/", headers: [("X-Remote-User", "bob")])
        #expect(ignored.status == 303 && ignored.header("Location") == "/login")
        let none = try await WebTestServer()
        defer { Task { await none.stop() } }
        #expect(try await none.client().get("/", headers: [("X-Remote-User", "bob")]).status == 303)
    }
}
