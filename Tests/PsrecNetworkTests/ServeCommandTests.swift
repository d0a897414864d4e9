import Foundation
import GRDB
import PsrecStream
import PsrecTestSupport
import Testing

/// `psrec serve`, `psrec host`, `psrec upload` and `psrec record --server` as an operator
/// runs them: the built binary, TLS with certificates made by openssl, real signals.
@Suite(.serialized) struct ServeCommandTests {
    /// A `psrec serve` process and what it printed.
    final class ServeProcess {
        let process = Process()
        let port: Int
        let stderrPipe = Pipe()

        init(_ arguments: [String]) throws {
            process.executableURL = CLI.binary
            process.arguments = ["serve"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = stderrPipe
            try process.run()
            // The first line on stdout says where it listens.
            var line = [UInt8]()
            let handle = out.fileHandleForReading
            while line.last != 0x0A {
                let byte = handle.readData(ofLength: 1)
                if byte.isEmpty { break }
                line += byte
            }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("Listening on "), let port = Int(text.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
                process.terminate()
                throw TestFailure("psrec serve printed '\(text)' instead of its address; stderr: \(String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
            }
            self.port = port
        }

        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Waits for the exit, at most `seconds`; nil when it did not exit.
        func exitStatus(within seconds: Double) -> Int32? {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(20_000) }
            if process.isRunning { process.terminate(); return nil }
            return process.terminationStatus
        }

        var stderr: String { String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
    }

    /// A read outside async code (GRDB's async read wants Sendable closures).
    static func syncRead<T>(_ queue: DatabaseQueue, _ body: (Database) throws -> T) throws -> T {
        try queue.read(body)
    }

    static func tokenFile(in dir: URL, db: String, host: String) throws -> String {
        let added = try CLI.run(["host", "add", "--db", db, host])
        guard added.status == 0, let token = added.text.split(separator: "\n").first(where: { $0.hasPrefix("psrec_") }) else {
            throw TestFailure("host add failed: \(added.stderr) \(added.text)")
        }
        let path = dir.appendingPathComponent("\(host).token").path
        FileManager.default.createFile(atPath: path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    @Test("serve over TLS, host add, upload and record --server, then SIGTERM: exit 0, every recording complete and byte for byte")
    func endToEnd() throws {
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        let server = try ServeProcess(["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        let token = try Self.tokenFile(in: dir, db: db, host: "gw-1")
        let url = "psrec://127.0.0.1:\(server.port)"

        // A spool folder of two finished recordings.
        let spool = dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let (first, firstID) = try TestRecordings.write(in: spool, name: "a", chunks: 12)
        let (_, secondID) = try TestRecordings.write(in: spool, name: "b", chunks: 3)
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first))
        let upload = try CLI.run(["upload", "--server", url, "--ca", tls.caPEM, "--token-file", token, spool.path])
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(upload.text.contains("removed here"))
        #expect(!FileManager.default.fileExists(atPath: first), "an acknowledged complete file is removed without --keep-local")

        // A session recorded and streamed.
        let recorded = dir.appendingPathComponent("session.psrec").path
        let record = try CLI.run(["record", "-o", recorded, "--server", url, "--ca", tls.caPEM, "--token-file", token, "--",
                                  "sh", "-c", "echo streamed-hello; sleep 1.5; echo streamed-bye"])
        #expect(record.status == 0, "\(record.stderr)")
        #expect(!record.stderr.contains("not"), "\(record.stderr)")

        // The streamed session's terminal text is indexed by the server after its trailer.
        var found = false
        for _ in 0..<100 {
            if try CLI.run(["search", "--db", db, "--text", "streamed-bye"]).text.contains("gw-1") || (try CLI.run(["search", "--db", db, "--text", "streamed-bye", "--json"]).text.contains("recording_id")) { found = true; break }
            usleep(100_000)
        }
        #expect(found, "search --text does not find the streamed session")

        // The wrong CA: the capture host refuses the server.
        let wrongCA = try CLI.run(["upload", "--server", url, "--ca", tls.otherCAPEM, "--token-file", token, recorded])
        #expect(wrongCA.status == 3)

        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 20) == 0)

        let queue = try DatabaseQueue(path: db)
        try queue.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT uuid, status, ingest_state, ingest_host FROM recordings ORDER BY start_us")
            #expect(rows.count == 3)
            for row in rows {
                #expect(row["status"] as String == "complete")
                #expect(row["ingest_state"] as String? == nil)
                #expect(row["ingest_host"] as String? == "gw-1")
            }
            let uuids = Set(rows.map { $0["uuid"] as String })
            #expect(uuids.contains(firstID.uuidString.lowercased()) && uuids.contains(secondID.uuidString.lowercased()))
            let rowID = try Int64.fetchOne(db, sql: "SELECT id FROM recordings WHERE uuid = ?", arguments: [firstID.uuidString.lowercased()])!
            let stored = try Data.fetchAll(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? ORDER BY file_offset", arguments: [rowID]).reduce(Data(), +)
            #expect(stored == firstBytes)
        }
        // The streamed session holds what the command printed, and equals the local file.
        let recordedBytes = try Data(contentsOf: URL(fileURLWithPath: recorded))
        let streamedID = try CLI.run(["info", "--json", recorded]).text
        #expect(streamedID.contains("\"status\":\"complete\""))
        try queue.read { db in
            let size = try Int64.fetchOne(db, sql: "SELECT file_size FROM recordings WHERE start_us = (SELECT max(start_us) FROM recordings)")
            #expect(size == Int64(recordedBytes.count))
        }
        let cat = try CLI.run(["cat", recorded])
        #expect(cat.text.contains("streamed-hello") && cat.text.contains("streamed-bye"))
    }

    @Test("serve on a PostgreSQL catalog: upload and record --server over TLS, SIGTERM, every recording complete there and byte for byte")
    func endToEndOnPostgres() throws {
        let postgres = try #require(PostgresServer.shared, "\(PostgresServer.failure ?? "")")
        let db = try postgres.makeDatabase()
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let server = try ServeProcess(["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        let token = try Self.tokenFile(in: dir, db: db, host: "gw-pg")
        let url = "psrec://127.0.0.1:\(server.port)"
        let spool = dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let (first, firstID) = try TestRecordings.write(in: spool, name: "a", chunks: 12)
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first))
        let upload = try CLI.run(["upload", "--server", url, "--ca", tls.caPEM, "--token-file", token, "--keep-local", spool.path])
        #expect(upload.status == 0, "\(upload.stderr)")
        let recorded = dir.appendingPathComponent("session.psrec").path
        let record = try CLI.run(["record", "-o", recorded, "--server", url, "--ca", tls.caPEM, "--token-file", token, "--",
                                  "sh", "-c", "echo pg-hello; sleep 1; echo pg-bye"])
        #expect(record.status == 0, "\(record.stderr)")
        var found = false
        for _ in 0..<100 where !found {
            found = try CLI.run(["search", "--db", db, "--text", "pg bye"]).text.split(separator: "\n").count == 2
            if !found { usleep(100_000) }
        }
        #expect(found, "search --text does not find the streamed session")
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 20) == 0)

        let listed = try CLI.run(["search", "--db", db, "--status", "complete"])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.text.split(separator: "\n").count == 3, "a heading and the two recordings: \(listed.text)")
        let back = dir.appendingPathComponent("back.psrec").path
        let exported = try CLI.run(["export", "--db", db, firstID.uuidString, "-o", back])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == firstBytes)
    }

    @Test("record --server --app asks the server first: off runs the command unrecorded; strict refuses the session when the server cannot be asked, best-effort records locally")
    func policies() throws {
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        for (app, extra) in [("off-app", ["--disabled"]), ("strict-app", []), ("loose-app", [])] {
            #expect(try CLI.run(["app", "add", "--db", db, app] + extra).status == 0)
        }
        #expect(try CLI.run(["app", "set-policy", "--db", db, "strict-app", "strict"]).status == 0)
        #expect(try CLI.run(["app", "set-policy", "--db", db, "strict-app", "sometimes"]).status == 64)
        #expect(try CLI.run(["app", "list", "--db", db]).text.contains("strict"))
        let server = try ServeProcess(["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        let token = try Self.tokenFile(in: dir, db: db, host: "gw-p")
        let spool = dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        func record(_ app: String, port: Int) throws -> CLI.Result {
            try CLI.run(["record", "--app", app, "--dir", spool.path, "--server", "psrec://127.0.0.1:\(port)", "--ca", tls.caPEM, "--token-file", token,
                         "--", "sh", "-c", "echo ran-\(app)"])
        }
        func recordings() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: spool.path)) ?? []).filter { $0.hasSuffix(".psrec") } }
        let off = try record("off-app", port: server.port)
        #expect(off.status == 0)
        #expect(off.text.contains("ran-off-app"))
        #expect(recordings().isEmpty, "a session of an application not recorded left \(recordings())")
        let strictUp = try record("strict-app", port: server.port)
        #expect(strictUp.status == 0, "\(strictUp.stderr)")
        #expect(recordings().count == 1)
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 20) == 0)
        // The server is gone: the strict application's session is refused, the other recorded here.
        let strictDown = try record("strict-app", port: server.port)
        #expect(strictDown.status == 3)
        #expect(strictDown.stderr.contains("strict: the session is refused"))
        #expect(!strictDown.text.contains("ran-strict-app"))
        let looseDown = try record("loose-app", port: server.port)
        #expect(looseDown.status == 0)
        #expect(looseDown.text.contains("ran-loose-app"))
        #expect(looseDown.stderr.contains("psrec upload sends it later"))
        #expect(recordings().count == 2)
        // A policy cache others may write is not trusted (anyone who can write it could turn a
        // strict application best-effort, or the reverse): with it, the strict application is
        // no longer known as strict.
        let cache = spool.appendingPathComponent(".psrec-policy").path
        chmod(cache, 0o666)
        let untrusted = try record("strict-app", port: server.port)
        #expect(untrusted.status == 0)
        #expect(untrusted.stderr.contains("psrec upload sends it later"))
        #expect(recordings().count == 3)
    }

    @Test("serve refuses to run without TLS off loopback, and a TLS key others can read")
    func refusesUnsafeConfigurations() throws {
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("c.sqlite").path
        let open = try CLI.run(["serve", "--db", db, "--listen", "0.0.0.0:0", "--insecure-loopback"])
        #expect(open.status == 64)
        #expect(open.stderr.contains("not a loopback address"))
        let none = try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:0"])
        #expect(none.status == 64)
        chmod(tls.keyPEM, 0o644)
        let readable = try CLI.run(["serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        #expect(readable.status == 64)
        #expect(readable.stderr.contains("chmod 600"))
        // A token file others can read is refused the same way, before anything is sent.
        let token = dir.appendingPathComponent("t").path
        FileManager.default.createFile(atPath: token, contents: Data("psrec_x\n".utf8), attributes: [.posixPermissions: 0o644])
        let upload = try CLI.run(["upload", "--server", "psrec://127.0.0.1:1", "--token-file", token, dir.path])
        #expect(upload.status == 64)
        #expect(upload.stderr.contains("chmod 600"))
        let insecureRemote = try CLI.run(["upload", "--server", "psrec+insecure://10.0.0.1:7480", "--token-file", token, dir.path])
        #expect(insecureRemote.status == 64)
        // A token file reached through a symbolic link is refused, even to a private file.
        chmod(token, 0o600)
        let link = dir.appendingPathComponent("link").path
        symlink(token, link)
        let linked = try CLI.run(["upload", "--server", "psrec://127.0.0.1:1", "--token-file", link, dir.path])
        #expect(linked.status == 64)
        #expect(linked.stderr.contains("symbolic link"))
    }

    @Test("Plain TCP to the TLS port gets nothing stored; a server killed mid-ingest loses nothing acknowledged and the recorder resumes on its restart")
    func killedServer() async throws {
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let db = dir.appendingPathComponent("catalog.sqlite").path
        var server = try ServeProcess(["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        let port = server.port
        let token = try Self.tokenFile(in: dir, db: db, host: "gw-k")
        // Plain TCP speaking the protocol to the TLS port: the handshake fails, nothing is stored.
        let raw = try RawClient(port: port)
        raw.send(.hello(version: 1, token: Array("psrec_x".utf8), head: [UInt8](repeating: 0x41, count: 100)))
        #expect(raw.receive() == nil)
        let (path, id) = try TestRecordings.write(in: dir, name: "long", chunks: 400, bytesPerChunk: 4000)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Upload in the background; kill the server while it runs.
        let upload = Process()
        upload.executableURL = CLI.binary
        upload.arguments = ["upload", "--keep-local", "--server", "psrec://127.0.0.1:\(port)", "--ca", tls.caPEM, "--token-file", token, path]
        upload.standardOutput = FileHandle.nullDevice
        upload.standardError = FileHandle.nullDevice
        try upload.run()
        let queue = try DatabaseQueue(path: db)
        var storedBefore: Int64 = 0
        for _ in 0..<500 {
            storedBefore = try Self.syncRead(queue) { try Int64.fetchOne($0, sql: "SELECT file_size FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()]) } ?? 0
            if storedBefore > Int64(file.count / 4) { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        server.signal(SIGKILL)
        _ = server.exitStatus(within: 10)
        // What was committed is a valid prefix of the file.
        let kept = try Self.syncRead(queue) { db -> [UInt8] in
            let rowID = try Int64.fetchOne(db, sql: "SELECT id FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()])!
            return try Data.fetchAll(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? ORDER BY file_offset", arguments: [rowID]).flatMap { [UInt8]($0) }
        }
        print("ServeCommandTests.killedServer: killed with \(kept.count) of \(file.count) bytes stored, upload \(upload.isRunning ? "still running" : "finished")")
        #expect(kept.count >= Int(storedBefore))
        #expect(Array(file.prefix(kept.count)) == kept)
        // Restarted on the same port, the uploader (retrying with backoff) finishes.
        server = try ServeProcess(["--db", db, "--listen", "127.0.0.1:\(port)", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM])
        let deadline = Date().addingTimeInterval(60)
        while upload.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        if upload.isRunning {
            upload.terminate()
            // Gave up before the restart: a new upload resumes.
        }
        let again = try CLI.run(["upload", "--keep-local", "--server", "psrec://127.0.0.1:\(port)", "--ca", tls.caPEM, "--token-file", token, path])
        #expect(again.status == 0, "\(again.stderr)")
        server.signal(SIGTERM)
        #expect(server.exitStatus(within: 20) == 0)
        let final = try Self.syncRead(queue) { db -> ([UInt8], String) in
            let row = try Row.fetchOne(db, sql: "SELECT id, status FROM recordings WHERE uuid = ?", arguments: [id.uuidString.lowercased()])!
            let bytes = try Data.fetchAll(db, sql: "SELECT bytes FROM chunks WHERE recording_id = ? ORDER BY file_offset", arguments: [row["id"] as Int64]).flatMap { [UInt8]($0) }
            return (bytes, row["status"])
        }
        // Compared as one Bool: a failed comparison of two arrays of bytes would have the
        // testing library compute their difference, for hours.
        let whole = final.0 == file
        #expect(whole, "stored \(final.0.count) bytes of \(file.count)")
        #expect(final.1 == "complete")
    }
}

/// `record --server` sends what a killed recorder left in the spool when it next starts.
@Suite struct LeftoverUploadTests {
    @Test("A killed recorder's file and an unsent complete one are sent when record --server next starts; the complete one is then removed")
    func recordUploadsLeftovers() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let tokenFile = try server.tokenFile("gw-left")
        let spool = server.dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let (killedPath, killedID) = try TestRecordings.write(in: spool, name: "killed", chunks: 8)
        let killed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: killedPath)))
        let cut = Int(TestRecordings.segments(killed).chunks[5].offset) + 30
        try Data(killed[..<cut]).write(to: URL(fileURLWithPath: killedPath))
        let (unsentPath, unsentID) = try TestRecordings.write(in: spool, name: "unsent", chunks: 4)
        let unsent = try [UInt8](Data(contentsOf: URL(fileURLWithPath: unsentPath)))
        let record = try CLI.run(["record", "--dir", spool.path, "--server", "psrec+insecure://127.0.0.1:\(server.port)", "--token-file", tokenFile,
                                  "--", "sh", "-c", "echo next-session"])
        #expect(record.status == 0, "\(record.stderr)")
        var done = false
        for _ in 0..<250 {
            let a = try server.stored(killedID), b = try server.stored(unsentID)
            if a.ingestState == "interrupted" && b.status == "complete" && !FileManager.default.fileExists(atPath: unsentPath) { done = true; break }
            try await Task.sleep(nanoseconds: 40_000_000)
        }
        #expect(done, "the leftovers were not sent")
        #expect(try server.stored(killedID).bytes == Array(killed[..<Int(TestRecordings.segments(killed).chunks[5].offset)]))
        #expect(try server.stored(unsentID).bytes == unsent)
        #expect(FileManager.default.fileExists(atPath: killedPath), "a file without its end is kept")
        // The new session's own file is not a leftover: whenever the background upload gets
        // to the folder, it leaves it (record keeps what it records).
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let names = try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasSuffix(".psrec") && $0 != "killed.psrec" }
        #expect(names.count == 1, "the session's own file was removed: \(names)")
    }

    @Test("The background upload sends only files older than the recorder's own, never that file")
    func onlyOlderFiles() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let tokenFile = try server.tokenFile("gw-old")
        let spool = server.dir.appendingPathComponent("spool")
        try FileManager.default.createDirectory(at: spool, withIntermediateDirectories: true)
        let (olderPath, olderID) = try TestRecordings.write(in: spool, name: "older", chunks: 3)
        let (ownPath, ownID) = try TestRecordings.write(in: spool, name: "own", chunks: 3, seed: 2)
        let (newerPath, newerID) = try TestRecordings.write(in: spool, name: "newer", chunks: 3, seed: 3)
        // Modification times as a recorder's start would see them.
        let now = Date()
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-60)], ofItemAtPath: olderPath)
        try FileManager.default.setAttributes([.modificationDate: now], ofItemAtPath: ownPath)
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(5)], ofItemAtPath: newerPath)
        let sent = try CLI.run(["upload", "--server", "psrec+insecure://127.0.0.1:\(server.port)", "--token-file", tokenFile,
                                "--older-than", ownPath, "--", spool.path])
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(try server.stored(olderID).status == "complete")
        #expect(!FileManager.default.fileExists(atPath: olderPath))
        for (path, id) in [(ownPath, ownID), (newerPath, newerID)] {
            #expect(FileManager.default.fileExists(atPath: path))
            #expect(try server.stored(id).status == "absent")
        }
    }
}

/// `record-screen --server`: an X display recorded and streamed.
@Suite(.serialized) struct ScreenStreamingTests {
    static var missing: String? {
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/Xvfb") { return "Xvfb missing" }
        return freeDisplay == nil ? "no free X display from :60 to :89" : nil
    }

    /// A display number with neither a lock file nor a socket.
    static let freeDisplay: Int? = (60..<90).first { n in
        !FileManager.default.fileExists(atPath: "/tmp/.X\(n)-lock") && !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(n)")
    }

    @Test("record-screen --server streams a screen recording; stopped with SIGINT, the server's copy is the local file, complete",
          .enabled(if: missing == nil, "needs Xvfb and a free display"))
    func screenRecordingIsStreamed() async throws {
        let server = try await TestServer()
        defer { Task { await server.stop() } }
        let tokenFile = try server.tokenFile("gw-screen")
        let xvfb = Process()
        xvfb.executableURL = URL(fileURLWithPath: "/usr/bin/Xvfb")
        let display = try #require(Self.freeDisplay)
        xvfb.arguments = [":\(display)", "-screen", "0", "320x200x24", "-nolisten", "tcp"]
        xvfb.standardOutput = FileHandle.nullDevice
        xvfb.standardError = FileHandle.nullDevice
        try xvfb.run()
        // Foundation's Process starts children with SIGTERM blocked: Xvfb is killed outright.
        defer { kill(xvfb.processIdentifier, SIGKILL); xvfb.waitUntilExit() }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(display)") { try await Task.sleep(nanoseconds: 50_000_000) }
        let file = server.dir.appendingPathComponent("screen.psrec").path
        let recorder = Process()
        recorder.executableURL = CLI.binary
        recorder.arguments = ["record-screen", "--display", ":\(display)", "-o", file, "--fps", "5", "--app", "rdp-app",
                              "--server", "psrec+insecure://127.0.0.1:\(server.port)", "--token-file", tokenFile]
        let err = Pipe()
        recorder.standardError = err
        recorder.standardOutput = FileHandle.nullDevice
        try recorder.run()
        try await Task.sleep(nanoseconds: 2_500_000_000)
        kill(recorder.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(30)
        while recorder.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(!recorder.isRunning)
        #expect(recorder.terminationStatus == 0, "\(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))")
        let local = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let info = try CLI.run(["info", "--json", file]).text
        #expect(info.contains("\"protocol\":\"rdp\""))
        let id = try #require(UUID(uuidString: String(info.split(separator: "\"recording_id\":\"").last?.prefix(36) ?? "")))
        let stored = try server.stored(id)
        #expect(stored.bytes == local)
        #expect(stored.status == "complete")
    }
}

/// What stands in front of several servers (a load balancer, one DNS name): each new
/// connection goes to the server `target` names now.
final class Balancer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var current: Int

    init(to target: Int) throws {
        current = target
        (listener, port) = FaultProxy.listen()
        Thread.detachNewThread { self.accept() }
    }

    var target: Int {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func accept() {
        while true {
            let client = Glibc.accept(listener, nil, nil)
            if client < 0 { return }
            guard let server = try? RawClient(port: target) else { close(client); continue }
            let upstream = server.fd
            let pair = ConnectionPair(client: client, server: upstream, keep: server)
            Thread.detachNewThread { pair.pump(from: client, to: upstream, fault: .none, budget: .max, up: true) }
            Thread.detachNewThread { pair.pump(from: upstream, to: client, fault: .none, budget: .max, up: false) }
        }
    }
}

extension ServeCommandTests {
    @Test("two servers on one PostgreSQL catalog: the one receiving a session is killed; the capture host goes on through the other, which takes the recording over once its lease has run out; nothing acknowledged is lost, no chunk is stored twice, the catalog's copy equals the file")
    func twoServersOneCatalog() throws {
        let postgres = try #require(PostgresServer.shared, "\(PostgresServer.failure ?? "")")
        let db = try postgres.makeDatabase()
        let database = String(db.split(separator: "/").last!.split(separator: "?").first!)
        let tls = try TestTLS()
        let dir = CLI.tempDir()
        let common = ["--db", db, "--listen", "127.0.0.1:0", "--tls-cert", tls.certPEM, "--tls-key", tls.keyPEM, "--takeover-after", "2"]
        let a = try ServeProcess(common)
        let b = try ServeProcess(common)
        let balancer = try Balancer(to: a.port)
        defer { balancer.stop() }
        let token = try Self.tokenFile(in: dir, db: db, host: "gw-two")
        let recorded = dir.appendingPathComponent("session.psrec").path

        nonisolated(unsafe) var record: CLI.Result?
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            // A chunk a second: the session's 8 s are several chunks on each server.
            record = try? CLI.run(["record", "-o", recorded, "--server", "psrec://127.0.0.1:\(balancer.port)",
                                   "--ca", tls.caPEM, "--token-file", token, "--",
                                   "sh", "-c", "for i in $(seq 1 80); do echo two-servers line $i; sleep 0.1; done"])
            done.signal()
        }
        // Server A has part of the session (its metadata and two chunks)…
        var stored = 0
        for _ in 0..<400 where stored < 3 {
            stored = Int((try? postgres.psql("SELECT count(*) FROM chunks", database: database))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            if stored < 3 { usleep(25_000) }
        }
        #expect(stored >= 3, "server A stored \(stored) chunks")
        // …and goes away without a word; new connections go to B.
        balancer.target = b.port
        a.signal(SIGKILL)
        #expect(a.exitStatus(within: 10) != nil)
        #expect(done.wait(timeout: .now() + 60) == .success, "record --server did not end")
        #expect(record?.status == 0, "\(record?.stderr ?? "")")

        // The capture host's follower sends the rest to B; the recording becomes complete there.
        let id = try #require(try FileRecordingID.read(recorded))
        var status = ""
        for _ in 0..<300 where status != "complete" {
            status = (try? postgres.psql("SELECT status FROM recordings WHERE uuid = '\(id)'", database: database))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if status != "complete" { usleep(50_000) }
        }
        #expect(status == "complete")
        let back = dir.appendingPathComponent("back.psrec").path
        let exported = try CLI.run(["export", "--db", db, id, "-o", back])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: back)) == Data(contentsOf: URL(fileURLWithPath: recorded)))
        let chunks = try postgres.psql("SELECT count(*) - count(DISTINCT file_offset) FROM chunks", database: database)
        #expect(chunks.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "a chunk stored twice")
        let resumed = try postgres.psql("SELECT count(*) FROM audit_log WHERE action = 'ingest' AND detail LIKE 'resumed by capture host gw-two%'", database: database)
        #expect((Int(resumed.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 1, "B resumed the recording")
        let leases = try postgres.psql("SELECT count(*) FROM leases", database: database)
        #expect(leases.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "a complete recording holds no lease")
        b.signal(SIGTERM)
        #expect(b.exitStatus(within: 20) == 0)
    }
}

/// A recording file's ID, from its META chunk (`psrec info --json`).
enum FileRecordingID {
    static func read(_ path: String) throws -> String? {
        let info = try CLI.run(["info", "--json", path])
        guard let object = try JSONSerialization.jsonObject(with: Data(info.stdout)) as? [String: Any] else { return nil }
        return (object["recording_id"] as? String) ?? ((object["metadata"] as? [String: Any])?["recording_id"] as? String)
    }
}
