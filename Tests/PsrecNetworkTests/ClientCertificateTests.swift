import Foundation
import GRDB
import Logging
import NIOCore
import NIOSSL
import PsrecCatalog
@testable import PsrecNetwork
import PsrecStream
import PsrecTestSupport
import Testing

/// Capture hosts known by a TLS client certificate (`psrec serve --client-ca`): real TLS on
/// loopback, certificates made by openssl; who is admitted, who is refused and audited.
@Suite(.serialized) struct ClientCertificateTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A client CA and host certificates signed by it (subject CN = the name), one signed by
    /// another CA, and one without a common name; plus the server's TLS material.
    struct HostCertificates {
        let server: TestTLS
        let dir: URL
        var clientCA: String { dir.appendingPathComponent("client-ca.pem").path }
        func certificate(_ name: String) -> String { dir.appendingPathComponent("\(name).pem").path }
        func key(_ name: String) -> String { dir.appendingPathComponent("\(name).key").path }

        init(_ names: [String]) throws {
            server = try TestTLS()
            dir = CLI.tempDir()
            func issue(_ name: String, subject: String, ca: String) -> String {
                """
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '\(name).key' -out '\(name).csr' -subj '\(subject)' 2>/dev/null
                openssl x509 -req -in '\(name).csr' -CA \(ca).pem -CAkey \(ca).key -CAcreateserial -out '\(name).pem' -days 2 -extfile client-ext.cnf 2>/dev/null
                chmod 600 '\(name).key'
                """
            }
            let script = """
            set -e
            cd '\(dir.path)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout client-ca.key -out client-ca.pem -days 2 -subj /CN=psrec-hosts-ca 2>/dev/null
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj /CN=psrec-hosts-ca 2>/dev/null
            printf 'extendedKeyUsage=clientAuth\\n' > client-ext.cnf
            \(names.map { issue($0, subject: "/CN=\($0)", ca: "client-ca") }.joined(separator: "\n"))
            \(issue("rogue", subject: "/CN=\(names[0])", ca: "rogue-ca"))
            \(issue("nameless", subject: "/O=psrec", ca: "client-ca"))
            """
            try TestTLS.shell(script, failure: "openssl could not make the client certificates")
        }

        /// The server's TLS, requiring a client certificate signed by the client CA.
        func serverContext() throws -> NIOSSLContext {
            let chain = try NIOSSLCertificate.fromPEMFile(server.certPEM).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: server.keyPEM, format: .pem)))
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            return try NIOSSLContext(configuration: configuration)
        }

        /// A capture host's TLS: presenting `name`'s certificate, or none.
        func clientContext(_ name: String?) throws -> NIOSSLContext {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(server.caPEM))
            if let name {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate(name)).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key(name), format: .pem))
            }
            return try NIOSSLContext(configuration: configuration)
        }
    }

    /// Uploads `path` once (no retry), on threads of its own.
    static func upload(_ target: UploadTarget, _ path: String) async -> Result<UploadResult, any Error> {
        let executor = DedicatedExecutor(threads: 1, name: "test-capture-host")
        defer { executor.shutdown() }
        return await withTaskExecutorPreference(executor) {
            do {
                return .success(try await StreamUploader(target: target, path: path, logger: quiet, initialBackoff: .milliseconds(20), maxAttempts: 1).run())
            } catch {
                return .failure(error)
            }
        }
    }

    static func refusalCode(_ result: Result<UploadResult, any Error>) -> UploadError.Code? {
        guard case .failure(let error) = result else { return nil }
        return (error as? UploadError)?.code
    }

    /// Audit rows (actor, action, detail) mentioning `text`, waiting up to 5 s for `count` of
    /// them (refusals are written after the connection is answered).
    static func auditRows(_ server: TestServer, containing text: String, count: Int = 1) throws -> [String] {
        let queue = try DatabaseQueue(path: server.db)
        func rows() throws -> [String] {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT actor, action, detail FROM audit_log ORDER BY id")
                    .map { "\($0["actor"] as String) \($0["action"] as String) \($0["detail"] as String? ?? "")" }
                    .filter { $0.contains(text) }
            }
        }
        for _ in 0..<50 {
            if try rows().count >= count { break }
            usleep(100_000)
        }
        return try rows()
    }

    static func ingestHost(_ server: TestServer, _ id: UUID) throws -> String? {
        try DatabaseQueue(path: server.db).read { db in
            try String.fetchOne(db, sql: "SELECT ingest_host FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()])
        }
    }

    @Test("A certificate host streams a recording end to end: stored byte for byte, ingest_host is the host; the policy query is answered")
    func streamsEndToEnd() async throws {
        let certs = try HostCertificates(["gw-cert"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        try server.catalog.addCertificateHost(named: "gw-cert", actor: "test")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "cert", chunks: 12)
        let target = server.target([], tls: try certs.clientContext("gw-cert"))
        let result = try await Self.upload(target, path).get()
        #expect(result.position.complete)
        let stored = try server.stored(id)
        #expect(stored.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(stored.status == "complete" && stored.ingestState == nil)
        #expect(try Self.ingestHost(server, id) == "gw-cert")

        let executor = DedicatedExecutor(threads: 1, name: "test-policy")
        defer { executor.shutdown() }
        let policy = try await withTaskExecutorPreference(executor) { try await StreamUploader.policy(of: "web-prod", target: target) }
        #expect(policy.recording)
    }

    @Test("A token host is admitted under --client-ca by a certificate naming it, with its own token or none; a certificate host's token-less hello is refused by a server without --client-ca")
    func tokenHostsAndServersWithoutClientCA() async throws {
        let certs = try HostCertificates(["gw-tok", "gw-cert"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        let token = try server.token("gw-tok")
        let (first, firstID) = try TestRecordings.write(in: server.dir, name: "own-token", chunks: 3, seed: 2)
        #expect(try await Self.upload(server.target(token, tls: try certs.clientContext("gw-tok")), first).get().position.complete)
        let (second, secondID) = try TestRecordings.write(in: server.dir, name: "no-token", chunks: 3, seed: 3)
        #expect(try await Self.upload(server.target([], tls: try certs.clientContext("gw-tok")), second).get().position.complete)
        #expect(try Self.ingestHost(server, firstID) == "gw-tok" && Self.ingestHost(server, secondID) == "gw-tok")

        // Without --client-ca the server asks for no certificate: a certificate host has no
        // token to give, and is refused.
        let plain = try await TestServer(tls: try certs.server.serverContext())
        defer { Task { await plain.stop() } }
        try plain.catalog.addCertificateHost(named: "gw-cert", actor: "test")
        let (third, thirdID) = try TestRecordings.write(in: plain.dir, name: "plain", chunks: 2, seed: 4)
        let refused = await Self.upload(plain.target([], tls: try certs.clientContext("gw-cert")), third)
        #expect(Self.refusalCode(refused) == .refused(.unauthenticated))
        #expect(try plain.stored(thirdID).status == "absent")
        #expect(try !Self.auditRows(plain, containing: "unauthenticated").isEmpty)
    }

    @Test("No client certificate, or one signed by another CA: the handshake fails, nothing is stored, the refusal is audited")
    func handshakeRefusals() async throws {
        let certs = try HostCertificates(["gw-cert"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        try server.catalog.addCertificateHost(named: "gw-cert", actor: "test")
        let token = try server.token("gw-tok")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "refused", chunks: 3)

        // A valid token does not stand in for the certificate.
        let none = await Self.upload(server.target(token, tls: try certs.clientContext(nil)), path)
        #expect(Self.refusalCode(none) == .unreachable, "\(none)")
        // The rogue certificate names gw-cert, but its CA is not the client CA.
        let rogue = await Self.upload(server.target([], tls: try certs.clientContext("rogue")), path)
        #expect(Self.refusalCode(rogue) == .unreachable, "\(rogue)")
        #expect(try server.stored(id).status == "absent")
        let rows = try Self.auditRows(server, containing: "TLS handshake failed", count: 2)
        #expect(rows.count == 2, "\(rows)")
        #expect(rows.contains { $0.contains("(PEER_DID_NOT_RETURN_A_CERTIFICATE)") } && rows.contains { $0.contains("CERTIFICATE_VERIFY_FAILED") }, "\(rows)")
        #expect(rows.allSatisfy { $0.hasPrefix("peer:") && $0.contains("ingest refused unauthenticated") }, "\(rows)")
    }

    @Test("A verified certificate naming no registered host, a revoked host, or no one at all is refused as unauthenticated and audited")
    func unknownRevokedAndNamelessCertificates() async throws {
        let certs = try HostCertificates(["gw-cert", "gw-stranger"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        try server.catalog.addCertificateHost(named: "gw-cert", actor: "test")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "refused", chunks: 3)

        let stranger = await Self.upload(server.target([], tls: try certs.clientContext("gw-stranger")), path)
        #expect(Self.refusalCode(stranger) == .refused(.unauthenticated), "\(stranger)")
        let nameless = await Self.upload(server.target([], tls: try certs.clientContext("nameless")), path)
        #expect(Self.refusalCode(nameless) == .refused(.unauthenticated), "\(nameless)")
        try server.catalog.revokeHost(named: "gw-cert", actor: "test")
        let revoked = await Self.upload(server.target([], tls: try certs.clientContext("gw-cert")), path)
        #expect(Self.refusalCode(revoked) == .refused(.unauthenticated), "\(revoked)")
        #expect(try server.stored(id).status == "absent")

        #expect(try Self.auditRows(server, containing: "names gw-stranger, which is not a capture host").count == 1)
        #expect(try Self.auditRows(server, containing: "no subject common name").count == 1)
        #expect(try Self.auditRows(server, containing: "names gw-cert, which is not a capture host").count == 1)
    }

    @Test("A certificate for host A with the token of host B is refused, as is a certificate host sending any token")
    func certificateAndTokenOfAnotherHost() async throws {
        let certs = try HostCertificates(["gw-a", "gw-b", "gw-c"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        _ = try server.token("gw-a")
        let tokenB = try server.token("gw-b")
        try server.catalog.addCertificateHost(named: "gw-c", actor: "test")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "mixed", chunks: 3)

        let mixed = await Self.upload(server.target(tokenB, tls: try certs.clientContext("gw-a")), path)
        #expect(Self.refusalCode(mixed) == .refused(.unauthenticated), "\(mixed)")
        let forged = await Self.upload(server.target(Array("psrec_".utf8) + [UInt8](repeating: 0x30, count: 64), tls: try certs.clientContext("gw-a")), path)
        #expect(Self.refusalCode(forged) == .refused(.unauthenticated), "\(forged)")
        let tokenless = await Self.upload(server.target(tokenB, tls: try certs.clientContext("gw-c")), path)
        #expect(Self.refusalCode(tokenless) == .refused(.unauthenticated), "\(tokenless)")
        #expect(try server.stored(id).status == "absent")
        #expect(try Self.auditRows(server, containing: "is not that of gw-a", count: 2).count == 2)
        #expect(try Self.auditRows(server, containing: "is not that of gw-c").count == 1)
    }

    @Test("A certificate host cannot append to a recording another certificate host started")
    func notYours() async throws {
        let certs = try HostCertificates(["gw-a", "gw-b"])
        let server = try await TestServer(tls: try certs.serverContext(), clientCertificates: true)
        defer { Task { await server.stop() } }
        try server.catalog.addCertificateHost(named: "gw-a", actor: "test")
        try server.catalog.addCertificateHost(named: "gw-b", actor: "test")
        let (path, id) = try TestRecordings.write(in: server.dir, name: "victim", chunks: 8)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Host A sends the first chunks and stops, as a killed recorder's upload does.
        let parts = TestRecordings.segments(bytes)
        let cut = Int(parts.chunks[3].offset)
        let partial = server.dir.appendingPathComponent("partial.psrec").path
        _ = FileManager.default.createFile(atPath: partial, contents: Data(bytes[..<cut]))
        let started = try await Self.upload(server.target([], tls: try certs.clientContext("gw-a")), partial).get()
        #expect(!started.position.complete && started.position.committedBytes == Int64(cut))
        let before = try server.stored(id).bytes

        let taken = await Self.upload(server.target([], tls: try certs.clientContext("gw-b")), path)
        #expect(Self.refusalCode(taken) == .refused(.notYours), "\(taken)")
        #expect(try server.stored(id).bytes == before)
        #expect(try Self.ingestHost(server, id) == "gw-a")
        #expect(try Self.auditRows(server, containing: "host:gw-b ingest refused").count == 1)
    }

    @Test("psrec serve --client-ca, host add --certificate, host list, upload and record --server with --client-cert, as an operator runs them")
    func commands() throws {
        let certs = try HostCertificates(["gw-1"])
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let added = try CLI.run(["host", "add", "--db", db, "--certificate", "gw-1"])
        #expect(added.status == 0 && added.text.isEmpty, "\(added.stderr)")
        #expect(added.stderr.contains("client certificate"), "\(added.stderr)")
        let listed = try CLI.run(["host", "list", "--db", db]).text.split(separator: "\n")
        #expect(listed.count == 2 && listed[0].contains("AUTH") && listed[1].contains("certificate"), "\(listed)")

        let server = try ServeCommandTests.ServeProcess(["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", certs.server.certPEM,
                                                         "--tls-key", certs.server.keyPEM, "--client-ca", certs.clientCA])
        let url = "psrec://127.0.0.1:\(server.port)"
        let client = ["--ca", certs.server.caPEM, "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("gw-1")]
        let spool = dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let (file, fileID) = try TestRecordings.write(in: spool, name: "a", chunks: 5)
        let fileBytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let upload = try CLI.run(["upload", "--server", url] + client + [spool.path])
        #expect(upload.status == 0 && upload.text.contains("removed here"), "\(upload.stderr)")

        let recorded = dir.appendingPathComponent("session.psrec").path
        // With --app the recorder first asks the server's policy (psrec-net policy), with the certificate too.
        let record = try CLI.run(["record", "-o", recorded, "--app", "web-prod", "--server", url] + client + ["--", "sh", "-c", "echo cert-streamed"])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(!record.stderr.contains("cannot be asked"), "\(record.stderr)")
        let recordedBytes = try Data(contentsOf: URL(fileURLWithPath: recorded))

        // Without a certificate the same server refuses the capture host.
        let (other, _) = try TestRecordings.write(in: CLI.tempDir(), name: "b", chunks: 2)
        let token = try ServeCommandTests.tokenFile(in: dir, db: db, host: "gw-2")
        let refused = try CLI.run(["upload", "--server", url, "--ca", certs.server.caPEM, "--token-file", token, other])
        #expect(refused.status == 3, "\(refused.stderr)")

        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 20) == 0)
        let queue = try DatabaseQueue(path: db)
        let rows = try ServeCommandTests.syncRead(queue) { db in
            try Row.fetchAll(db, sql: "SELECT uuid, status, ingest_host, file_size FROM recordings ORDER BY start_us")
        }
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0["status"] as String == "complete" && $0["ingest_host"] as String? == "gw-1" })
        #expect(rows.contains { $0["uuid"] as String == fileID.uuidString.lowercased() && $0["file_size"] as Int64 == Int64(fileBytes.count) })
        #expect(rows.contains { $0["file_size"] as Int64 == Int64(recordedBytes.count) })
    }

    @Test("Usage errors: --client-ca without TLS or with a bad file; a client key others can read; credentials missing, doubled or half given")
    func usageErrors() throws {
        let certs = try HostCertificates(["gw-1"])
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("c.sqlite").path
        let tls = ["--tls-cert", certs.server.certPEM, "--tls-key", certs.server.keyPEM]

        let insecure = try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:0", "--insecure-loopback", "--client-ca", certs.clientCA])
        #expect(insecure.status == 64 && insecure.stderr.contains("--client-ca needs TLS"), "\(insecure.stderr)")
        let empty = dir.appendingPathComponent("empty.pem").path
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let garbage = dir.appendingPathComponent("garbage.pem").path
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a certificate\u{1b}[2J\n".utf8))
        for (file, phrase) in [(dir.appendingPathComponent("missing.pem").path, "does not exist"), (empty, "is empty"), (garbage, "holds no PEM certificate")] {
            let bad = try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:0"] + tls + ["--client-ca", file])
            #expect(bad.status == 64 && bad.stderr.contains("client CA file") && bad.stderr.contains(phrase), "\(bad.stderr)")
            #expect(bad.stderr.split(separator: "\n").count == 1 && !bad.stderr.contains("\u{1b}"), "\(bad.stderr)")
        }

        let url = "psrec://127.0.0.1:1"
        chmod(certs.key("gw-1"), 0o640)
        let readable = try CLI.run(["upload", "--server", url, "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("gw-1"), dir.path])
        #expect(readable.status == 64 && readable.stderr.contains("client key") && readable.stderr.contains("chmod 600"), "\(readable.stderr)")
        let recordReadable = try CLI.run(["record", "-o", dir.appendingPathComponent("r.psrec").path, "--server", url,
                                          "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("gw-1"), "--", "true"])
        #expect(recordReadable.status == 64 && recordReadable.stderr.contains("chmod 600"), "\(recordReadable.stderr)")
        chmod(certs.key("gw-1"), 0o600)
        let mismatched = try CLI.run(["upload", "--server", url, "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("nameless"), dir.path])
        #expect(mismatched.status == 64 && mismatched.stderr.contains("is not the private key of the certificate"), "\(mismatched.stderr)")

        let token = dir.appendingPathComponent("t").path
        _ = FileManager.default.createFile(atPath: token, contents: Data("psrec_x\n".utf8), attributes: [.posixPermissions: 0o600])
        let both = try CLI.run(["upload", "--server", url, "--token-file", token, "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("gw-1"), dir.path])
        #expect(both.status == 64 && both.stderr.contains("give one"), "\(both.stderr)")
        let neither = try CLI.run(["upload", "--server", url, dir.path])
        #expect(neither.status == 64 && neither.stderr.contains("--client-cert and --client-key"), "\(neither.stderr)")
        let half = try CLI.run(["upload", "--server", url, "--client-cert", certs.certificate("gw-1"), dir.path])
        #expect(half.status == 64 && half.stderr.contains("go together"), "\(half.stderr)")
        let plain = try CLI.run(["upload", "--server", "psrec+insecure://127.0.0.1:1", "--client-cert", certs.certificate("gw-1"), "--client-key", certs.key("gw-1"), dir.path])
        #expect(plain.status == 64 && plain.stderr.contains("needs TLS"), "\(plain.stderr)")
        let recordNeither = try CLI.run(["record", "-o", dir.appendingPathComponent("r2.psrec").path, "--server", url, "--", "true"])
        #expect(recordNeither.status == 64 && recordNeither.stderr.contains("--token-file"), "\(recordNeither.stderr)")
        let recordHalf = try CLI.run(["record", "-o", dir.appendingPathComponent("r3.psrec").path, "--client-key", certs.key("gw-1"), "--", "true"])
        #expect(recordHalf.status == 64, "\(recordHalf.stderr)")
    }
}
