import Foundation
import PsrecCatalog
import PsrecFormat
@testable import PsrecWeb
import Testing

@Suite("Bad input and attacks on the web application")
struct WebAttackTests {
    static let hostile = ["<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "evil\u{202E}txt.exe", "a&b\u{1B}[31m"]

    @Test("HTMLText.escape: markup, quotes, ampersands, bidi overrides and controls", arguments: [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("\"'><img src=x onerror=alert(1)>", "&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;"),
        ("a&b", "a&amp;b"),
        ("evil\u{202E}txt", "evil\\u{202e}txt"),
        ("bell\u{07}esc\u{1B}[m", "bell\\x07esc\\x1b[m"),
        ("zero\u{200B}width", "zero\\u{200b}width"),
        ("line\nbreak", "line\\nbreak"),
        ("DOMAIN\\user", "DOMAIN\\\\user"),
        ("plain ünïcödé 文字", "plain ünïcödé 文字"),
    ])
    func escape(input: String, expected: String) {
        #expect(HTMLText.escape(input) == expected)
    }

    @Test("hostile metadata and indicators appear escaped on the search page and the recording's page")
    func hostileMetadata() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        var ids: [String] = []
        for text in Self.hostile {
            ids.append(try server.importRecording(user: "alice", application: text, host: text, outputs: ["x"], indicators: [.command(text), .marker(text)]))
        }
        let client = try await server.loggedIn("alice")
        var pages = [try await client.get("/")]
        for id in ids { pages.append(try await client.get("/recordings/\(id)")) }
        for page in pages {
            #expect(page.status == 200)
            #expect(!page.body.contains("<script>alert") && !page.body.contains("<img") && !page.body.contains("\u{202E}") && !page.body.contains("\u{1B}"))
            #expect(!page.body.contains("onerror=alert(1)>"))
        }
        #expect(pages[0].body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && pages[0].body.contains("evil\\u{202e}txt.exe"))
        #expect(pages[1].body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test("every page carries the content security policy and the other security headers; no inline script or style")
    func headers() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        for target in ["/", "/login", "/nowhere", "/?page=-1", "/static/psrec.css"] {
            let page = try await client.get(target)
            #expect(page.header("Content-Security-Policy") == "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'", "\(target)")
            #expect(page.header("X-Content-Type-Options") == "nosniff" && page.header("Referrer-Policy") == "same-origin")
            #expect(!page.body.contains("<script") && !page.body.contains("<style") && !page.body.contains("style="))
            if target != "/static/psrec.css" { #expect(page.header("Cache-Control") == "no-store") }
        }
        let css = try await client.get("/static/psrec.css")
        #expect(css.status == 200 && css.header("Content-Type")?.hasPrefix("text/css") == true)
    }

    @Test("static files cannot be read outside the allow-list", arguments: [
        "/static/../../etc/passwd", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/..%2F..%2Fetc%2Fpasswd", "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd", "/static/psrec.css/../../../etc/passwd", "/static/", "/static/psrec.css%00.txt", "/static/PSREC.CSS",
        "/static/psrec.css?x=1", "//etc/passwd", "/etc/passwd",
    ])
    func traversal(target: String) async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        let answer = try await server.client().get(target)
        #expect(answer.status == 404 || answer.status == 400 || answer.status == 303, "\(target): \(answer.status)")
        #expect(!answer.body.contains("root:"))
    }

    @Test("malformed parameters get 400 and one sentence, never 500", arguments: [
        "/?from=yesterday-ish", "/?to=2025-02-30", "/?page=-1", "/?page=0", "/?page=abc", "/?page=99999999999999999999",
        "/?sort=password", "/?dir=sideways", "/?status=deleted", "/?protocol=telnet", "/?indicator=keystroke",
        "/?min-duration=forever", "/?min-duration=1%3A99", "/?text=%21%21%21", "/?user=%FF%FE", "/?user=%E2%82", "/?user=%ZZ",
        "/?user=a&user=b", "/?unknown=1", "/?user=" + String(repeating: "x", count: 600), "/?user=%00", "/?user=a%0Ab",
        "/recordings/not-a-uuid", "/recordings/1234", "/recordings/00000000-0000-0000-0000-000000000000?t=-3",
        "/recordings/00000000-0000-0000-0000-000000000000?t=1:75", "/recordings/00000000-0000-0000-0000-000000000000?x=1",
    ])
    func malformed(target: String) async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        let answer = try await client.get(target)
        #expect(answer.status == 400, "\(target): \(answer.status) \(answer.body.prefix(300))")
        let message = answer.body.components(separatedBy: "<p class=\"message\">").dropFirst().first?.components(separatedBy: "</p>").first ?? ""
        #expect(message.hasSuffix(".") && !message.isEmpty, "\(target): \(message)")
    }

    @Test("a huge query string or form body is refused with a 4xx, never 500")
    func huge() async throws {
        let server = try await WebTestServer()
        defer { Task { await server.stop() } }
        try server.addUser("alice")
        let client = try await server.loggedIn("alice")
        let long = try await client.get("/?text=" + String(repeating: "a", count: 20_000))
        #expect((400..<500).contains(long.status), "\(long.status)")
        let body = try await server.client().post("/login", body: "user=alice&password=" + String(repeating: "p", count: 40_000))
        #expect((400..<500).contains(body.status) && body.status != 401, "\(body.status)")
        let tooMany = try await client.get("/?" + (0..<600).map { "p\($0)=1" }.joined(separator: "&"))
        #expect((400..<500).contains(tooMany.status))
        let method = try await client.send(method: "DELETE", target: "/", headers: [], body: nil)
        #expect(method.status == 405)
    }
}
