import Foundation
import PsrecTestSupport
import Testing

/// `psrec serve --listen … --web …` over TLS, as an operator runs it, driven by curl.
@Suite(.serialized) struct ServeWebTLSTests {
    /// A CA and a server certificate for 127.0.0.1, made by openssl.
    static func certificates(in dir: URL) throws {
        let script = """
        set -e
        cd '\(dir.path)'
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=psrec-web-test-ca 2>/dev/null
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf 2>/dev/null
        chmod 600 server.key ca.key
        """
        let result = try Tools.run("/bin/sh", ["-c", script])
        guard result.status == 0 else { throw TestFailure("openssl could not make the test certificates: \(result.output)") }
    }

    static func line(_ handle: FileHandle) -> String {
        var line = [UInt8]()
        while line.last != 0x0A {
            let byte = handle.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += byte
        }
        return String(decoding: line, as: UTF8.self)
    }

    @Test("ingest and web in one process over TLS: login over HTTPS sets a __Host- Secure cookie; SIGTERM stops both, exit 0")
    func tls() throws {
        guard let curl = Tools.path(of: "curl") else { Issue.record("curl is needed (.ci/setup installs it)"); return }
        let dir = CLI.tempDir(), db = dir.appendingPathComponent("c.db").path
        try Self.certificates(in: dir)
        #expect(try CLI.run(["user", "add", "--db", db, "alice"], stdin: Array("a long enough password\n".utf8)).status == 0)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0", "--web", "127.0.0.1:0",
                             "--tls-cert", dir.appendingPathComponent("server.pem").path, "--tls-key", dir.appendingPathComponent("server.key").path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let ingest = Self.line(out.fileHandleForReading), web = Self.line(out.fileHandleForReading)
        #expect(ingest.hasPrefix("Listening on 127.0.0.1:"), "\(ingest)")
        #expect(web.hasPrefix("Web application on https://127.0.0.1:"), "\(web)")
        let url = web.dropFirst("Web application on ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        let login = try Tools.run(curl, ["-s", "-i", "--cacert", dir.appendingPathComponent("ca.pem").path,
                                         "--data", "user=alice&password=a+long+enough+password", url + "login"])
        #expect(login.output.hasPrefix("HTTP/1.1 303"), "\(login.output.prefix(300))")
        let cookie = login.output.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") } ?? ""
        #expect(cookie.contains("__Host-psrec-session=") && cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(cookie)")
        let plain = try Tools.run(curl, ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://" + url.dropFirst("https://".count) + "login"])
        #expect(plain.output != "200", "plain HTTP on the TLS port serves nothing")
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        #expect(!process.isRunning && process.terminationStatus == 0)
    }
}
