import Foundation
import PsrecFormat
import Testing
import PsrecTestSupport

/// `psrec import` killed with SIGKILL in the middle of a large import.
@Suite("Crash during import", .serialized)
struct CrashRecoveryTests {
    static let files = 10

    /// Incompressible recordings of about 3 MB each, so that importing takes a while.
    static func makeInput(_ dir: String) throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for n in 0..<files {
            let sink = MemorySink()
            let writer = try RecordingWriter(sink: sink, metadata: RecordingMetadata(startUnixMicros: 1_700_000_000_000_000 + Int64(n), user: "u\(n)", application: "bulk"),
                                             options: WriterOptions(codec: .none))
            for i in 0..<48 {
                var block = [UInt8](repeating: 0, count: 64 * 1024)
                for j in stride(from: 0, to: block.count, by: 8) {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    withUnsafeBytes(of: state) { for k in 0..<8 { block[j + k] = $0[k] } }
                }
                try writer.output(block, atMicros: Int64(i) * 100_000)
            }
            try writer.close()
            try write(sink.bytes, to: "\(dir)/r\(String(n + 100)).psrec")
        }
    }

    @Test("a killed import leaves the catalog consistent, and a re-run completes it",
          .enabled(if: Recorders.sqlite3 != nil, "the sqlite3 shell is needed"))
    func killAndResume() throws {
        let ws = try Workspace()
        let dir = ws.path("in")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.makeInput(dir)

        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["import", "--db", ws.dbPath, dir]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first file to be committed, then kill in the middle of the next ones.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("added ") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen.append(chunk)
        }
        usleep(150_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        // Consistent: SQLite's own checks, and every recording whole.
        #expect(try CLI.sqlite(ws.dbPath, "PRAGMA integrity_check") == "ok\n")
        #expect(try CLI.sqlite(ws.dbPath, "PRAGMA foreign_key_check") == "")
        let partial = Int(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings").trimmingCharacters(in: .newlines)) ?? -1
        #expect(partial >= 1)
        #expect(partial < Self.files, "the import finished before the kill; the test needs a larger input")
        let incomplete = try CLI.sqlite(ws.dbPath, """
            SELECT count(*) FROM recordings r
            WHERE r.file_size != (SELECT coalesce(sum(length(bytes)), 0) FROM chunks c WHERE c.recording_id = r.id);
            """)
        #expect(incomplete == "0\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM chunks WHERE recording_id NOT IN (SELECT id FROM recordings)") == "0\n")

        let rerun = try CLI.run(["import", "--db", ws.dbPath, dir])
        #expect(rerun.status == 0)
        #expect(rerun.stderr.contains("\(Self.files - partial) added, 0 extended, \(partial) unchanged, 0 skipped"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "\(Self.files)\n")
        let verify = try CLI.run(["verify", "--db", ws.dbPath, "--quiet"])
        #expect(verify.status == 0)
        let last = try CLI.sqlite(ws.dbPath, "SELECT uuid FROM recordings WHERE user = 'u\(Self.files - 1)'").trimmingCharacters(in: .newlines)
        #expect(try CLI.run(["export", "--db", ws.dbPath, last, "-o", ws.path("last.psrec")]).status == 0)
        #expect(try readFile(ws.path("last.psrec")) == readFile("\(dir)/r\(Self.files - 1 + 100).psrec"))
    }
}
