import Foundation
import GRDB
import PsrecCatalog
import PsrecTestSupport
import Testing

/// `psrec user` and `psrec serve --web` as an operator runs them: the built binaries.
@Suite(.serialized) struct UserCommandTests {
    static func passwordFile(_ dir: URL, _ text: String, mode: mode_t = 0o600) throws -> String {
        let path = dir.appendingPathComponent("pw-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, mode)
        return path
    }

    static func hashes(_ db: String) throws -> [String: String] {
        let queue = try DatabaseQueue(path: db)
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, password_bcrypt FROM users WHERE password_bcrypt IS NOT NULL").map { ($0["name"] as String, $0["password_bcrypt"] as String) })
        }
    }

    @Test("user add from a password file or stdin stores a bcrypt hash ($2b$, cost 12), never the password; list shows the users")
    func add() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        let file = try Self.passwordFile(dir, "a long enough password\n")
        let added = try CLI.run(["user", "add", "--db", db, "--password-file", file, "alice"])
        #expect(added.status == 0, "\(added.stderr)")
        let piped = try CLI.run(["user", "add", "--db", db, "bob"], stdin: Array("another password!!\n".utf8))
        #expect(piped.status == 0, "\(piped.stderr)")
        let stored = try Self.hashes(db)
        #expect(stored["alice"]?.hasPrefix("$2b$12$") == true && stored["bob"]?.hasPrefix("$2b$12$") == true)
        let everything = try Data(contentsOf: URL(fileURLWithPath: db))
        #expect(everything.range(of: Data("a long enough password".utf8)) == nil && everything.range(of: Data("another password!!".utf8)) == nil)
        let again = try CLI.run(["user", "add", "--db", db, "--password-file", file, "alice"])
        #expect(again.status == 64 && again.stderr.contains("already has a web login"))
        let list = try CLI.run(["user", "list", "--db", db])
        #expect(list.status == 0 && list.text.contains("alice") && list.text.contains("bob") && list.text.contains("SESSIONS"))
    }

    @Test("a password file others may read, a short password and a long one are refused with a sentence and exit 64")
    func refusals() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        let open = try Self.passwordFile(dir, "a long enough password\n", mode: 0o640)
        let shared = try CLI.run(["user", "add", "--db", db, "--password-file", open, "alice"])
        #expect(shared.status == 64 && shared.stderr.contains("may be read by other users"))
        let short = try CLI.run(["user", "add", "--db", db, "carol"], stdin: Array("short\n".utf8))
        #expect(short.status == 64 && short.stderr.contains("at least 12"))
        let long = try CLI.run(["user", "add", "--db", db, "carol"], stdin: Array((String(repeating: "x", count: 80) + "\n").utf8))
        #expect(long.status == 64 && long.stderr.contains("at most 72"))
        let badName = try CLI.run(["user", "add", "--db", db, "admin:root"], stdin: Array("a long enough password\n".utf8))
        #expect(badName.status == 64 && badName.stderr.contains("reserved"), "\(badName.stderr)")
        #expect(try !FileManager.default.fileExists(atPath: db) || Self.hashes(db).isEmpty)
    }

    @Test("user admin makes a web administrator (a proxy user needs no password), --remove takes it away, list shows ADMIN and PASSWORD; both are audited")
    func administrators() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        let file = try Self.passwordFile(dir, "a long enough password\n")
        #expect(try CLI.run(["user", "add", "--db", db, "--password-file", file, "alice"]).status == 0)
        let made = try CLI.run(["user", "admin", "--db", db, "alice"])
        #expect(made.status == 0 && made.stderr.contains("alice administers applications"), "\(made.stderr)")
        #expect(try CLI.run(["user", "admin", "--db", db, "proxy.user"]).status == 0)
        let list = try CLI.run(["user", "list", "--db", db]).text
        let rows = list.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first?.contains("ADMIN") == true && rows.first?.contains("PASSWORD") == true, "\(list)")
        #expect(rows.contains { $0.first == "alice" && $0.suffix(3) == ["yes", "yes", "0"] }, "\(list)")
        #expect(rows.contains { $0.first == "proxy.user" && $0.suffix(3) == ["yes", "no", "0"] }, "\(list)")
        let catalog = try Catalog(path: db)
        #expect(try catalog.isWebAdministrator("alice") && catalog.isWebAdministrator("proxy.user"))
        #expect(try CLI.run(["user", "admin", "--db", db, "--remove", "alice"]).status == 0)
        #expect(try !catalog.isWebAdministrator("alice"))
        let twice = try CLI.run(["user", "admin", "--db", db, "--remove", "alice"])
        #expect(twice.status == 3 && twice.stderr.contains("is not a web administrator"))
        #expect(try CLI.run(["user", "admin", "--db", db, "admin:root"]).status == 64)
        let audited = try catalog.database.read { db in try String.fetchAll(db, sql: "SELECT action FROM audit_log WHERE action LIKE 'user-%admin' ORDER BY id") }
        #expect(audited == ["user-admin", "user-admin", "user-unadmin"])
    }

    @Test("passwd changes the hash and ends the sessions; disable and enable; unknown users exit 3")
    func passwdDisable() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        #expect(try CLI.run(["user", "add", "--db", db, "dana"], stdin: Array("first password 1\n".utf8)).status == 0)
        let before = try Self.hashes(db)["dana"]
        _ = try Catalog(path: db).openWebSession(for: "dana", address: "127.0.0.1")
        #expect(try CLI.run(["user", "passwd", "--db", db, "dana"], stdin: Array("second password 2\n".utf8)).status == 0)
        #expect(try Self.hashes(db)["dana"] != before)
        #expect(try Catalog(path: db).webUsers().first?.sessionCount == 0)
        #expect(try CLI.run(["user", "disable", "--db", db, "dana"]).status == 0)
        #expect(try Catalog(path: db).webPasswordHash(of: "dana") == nil)
        #expect(try CLI.run(["user", "enable", "--db", db, "dana"]).status == 0)
        #expect(try Catalog(path: db).webPasswordHash(of: "dana") != nil)
        let unknown = try CLI.run(["user", "disable", "--db", db, "nobody"])
        #expect(unknown.status == 3 && unknown.stderr.contains("no web login"))
    }

    @Test("serve --web: --insecure-loopback on another address, a lone --trust-user-header, no --listen nor --web: usage errors")
    func serveValidation() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        let cases: [([String], String)] = [
            (["--web", "0.0.0.0:0", "--insecure-loopback"], "not a loopback address"),
            (["--web", "127.0.0.1:0", "--insecure-loopback", "--trust-user-header", "X-User"], "go together"),
            (["--web", "127.0.0.1:0", "--insecure-loopback", "--trust-user-header", "X-User", "--trusted-proxy", "proxy.example"], "not an IP address"),
            (["--insecure-loopback"], "Give --listen"),
        ]
        for (arguments, text) in cases {
            let result = try CLI.run(["serve", "--db", db] + arguments)
            #expect(result.status == 64 && result.stderr.contains(text), "\(arguments): \(result.stderr)")
        }
    }

    @Test("serve --web alone serves the login page and stops cleanly on SIGTERM")
    func serveWeb() throws {
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--db", db, "--web", "127.0.0.1:0", "--insecure-loopback"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = [UInt8]()
        while line.last != 0x0A {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.hasPrefix("Web application on http://127.0.0.1:"), "\(text)")
        let port = Int(text.split(separator: ":").last?.filter(\.isNumber) ?? "") ?? 0
        let answer = try HTTPGet.get(port: port, path: "/login")
        #expect(answer.hasPrefix("HTTP/1.1 200") && answer.contains("Content-Security-Policy"))
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning && process.terminationStatus == 0)
        if process.isRunning { process.terminate() }
    }
}

/// One blocking GET for the tests that run no async code.
enum HTTPGet {
    static func get(port: Int, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
