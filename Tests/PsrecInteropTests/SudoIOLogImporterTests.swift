import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// Sudo I/O log directories: a fixture built by hand from the format sudo documents
/// (sudoers(5) "I/O LOG FILES", sudoreplay(8)), compressed with the system's gzip, and a real
/// log written by sudo when it is installed and the test runs as root.
@Suite("sudo I/O log importer", .serialized)
struct SudoIOLogImporterTests {
    static let logJSON = """
    {
        "timestamp": {"seconds": 1714550400, "nanoseconds": 987654321},
        "submituser": "alice", "command": "/bin/bash", "runuser": "root", "rungroup": "wheel",
        "ttyname": "/dev/pts/4", "submithost": "db-prod-1", "submitcwd": "/home/alice",
        "columns": 132, "lines": 43, "runargv": ["/bin/bash", "-l"],
        "runenv": ["TERM=screen-256color", "HOME=/root"]
    }
    """
    static let timing = "4 0.100000001 6\n3 0.250000500 3\n4 0.000000499 2\n5 1.5 50 160\n1 0.000001 4\n2 0.1 4\n6 0.2 TSTP\n0 0.000000001 2\n"

    static func gzip(_ path: String) throws {
        let result = try Recorders.run("/bin/gzip", ["-n", "-f", path])
        try #require(result.status == 0, "gzip failed: \(result.output)")
        try FileManager.default.moveItem(atPath: path + ".gz", toPath: path)
    }

    /// Writes the fixture; with `compressed`, every file but log.json goes through gzip.
    static func fixture(in dir: URL, compressed: Bool, legacy: Bool = false) throws {
        let files: [String: [UInt8]] = [
            "timing": Array(timing.utf8),
            "ttyout": Array("$ ls\r\nok\r\n".utf8).prefix(8).map { $0 },
            "ttyin": Array("ls\r".utf8),
            "stdout": Array("out\n".utf8),
            "stderr": [0x65, 0x72, 0xFF, 0x0A],
            "stdin": Array("y\n".utf8),
        ]
        for (name, bytes) in files {
            let path = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if compressed { try gzip(path) }
        }
        if legacy {
            try Data("1714550400:alice:root::/dev/pts/4:43:132\n/home/alice\n/bin/bash -l\n".utf8).write(to: dir.appendingPathComponent("log"))
        } else {
            try Data(logJSON.utf8).write(to: dir.appendingPathComponent("log.json"))
        }
    }

    private func convert(_ dir: URL) throws -> Converted {
        let sink = MemorySink()
        let report = try Converter.convertSudoIOLog(directoryPath: dir.path, sink: sink, options: ConversionOptions())
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        return Converted(report: report, reader: reader, events: Array(reader.events()))
    }

    @Test("Events in timing order from each stream file; nanosecond delays summed exactly",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/gzip")), arguments: [true, false])
    func fixture(compressed: Bool) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.fixture(in: dir, compressed: compressed)
        let c = try convert(dir)
        #expect(c.report.format == .sudoIOLog)
        #expect(c.events.map(\.event) == [
            .output(Array("$ ls\r\n".utf8)), .input(Array("ls\r".utf8)), .output(Array("ok".utf8)),
            .resize(cols: 160, rows: 50), .output(Array("out\n".utf8)), .output([0x65, 0x72, 0xFF, 0x0A]),
            .input(Array("y\n".utf8)),
        ])
        // 0.100000001 → 100 000 µs; +0.250000500 = 0.350000501 → 350 001; +0.000000499 = 0.350001000.
        #expect(c.events.map(\.timeMicros) == [100_000, 350_001, 350_001, 1_850_001, 1_850_002, 1_950_002, 2_150_002])
        #expect(c.report.ignoredEvents == 1)
        let meta = try #require(c.metadata)
        #expect(meta.user == "alice")
        #expect(meta.host == "db-prod-1")
        #expect(meta.command == "/bin/bash -l")
        #expect(meta.startUnixMicros == 1_714_550_400_987_654)
        #expect(meta.terminal == .init(cols: 132, rows: 43, type: "screen-256color"))
        #expect(meta.extra["sudo.runas_user"] == "root")
        #expect(meta.extra["sudo.runas_group"] == "wheel")
        #expect(meta.extra["sudo.cwd"] == "/home/alice")
        #expect(meta.extra["sudo.tty"] == "/dev/pts/4")
    }

    @Test("The legacy log file gives the metadata when there is no log.json")
    func legacy() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.fixture(in: dir, compressed: false, legacy: true)
        let meta = try #require(try convert(dir).metadata)
        #expect(meta.user == "alice")
        #expect(meta.extra["sudo.runas_user"] == "root")
        #expect(meta.extra["sudo.runas_group"] == nil)
        #expect(meta.extra["sudo.cwd"] == "/home/alice")
        #expect(meta.command == "/bin/bash -l")
        #expect(meta.terminal == .init(cols: 132, rows: 43))
        #expect(meta.startUnixMicros == 1_714_550_400_000_000)
    }

    @Test("A directory argument is detected as an I/O log; errors name the file and line")
    func detectionAndErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.fixture(in: dir, compressed: false)
        // The output lies outside the log folder: one inside it is refused (OutputSafetyTests).
        let outDir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outDir) }
        let out = outDir.appendingPathComponent("out.psrec").path
        let report = try Converter.convert(inputPath: dir.path, outputPath: out, options: ConversionOptions())
        #expect(report.format == .sudoIOLog)
        #expect(try RecordingReader(path: out).status == .complete)

        try Data("4 0.1 6\n4 zero 2\n".utf8).write(to: dir.appendingPathComponent("timing"))
        do {
            _ = try Converter.convert(inputPath: dir.path, outputPath: out + "2", options: ConversionOptions())
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .malformedLine)
            #expect(error.description == "\(dir.path)/timing line 2: expected a line \"TYPE DELAY …\" with a type from 0 to 6 and a delay in seconds")
            #expect(!FileManager.default.fileExists(atPath: out + "2"))
        }
        try Data("4 0.1 600\n".utf8).write(to: dir.appendingPathComponent("timing"))
        #expect(throws: ConversionError(.truncatedData, file: "", reason: "")) {
            _ = try Converter.convertSudoIOLog(directoryPath: dir.path, sink: MemorySink(), options: ConversionOptions())
        }
        let empty = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        do {
            _ = try Converter.convert(inputPath: empty.path, outputPath: out + "3", options: ConversionOptions())
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "\(empty.path): is a directory but not a sudo I/O log (it needs a timing file and log.json or log)")
        }
    }

    @Test("A gzip file cut short is an error, not a trap")
    func tornGzip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.fixture(in: dir, compressed: true)
        let path = dir.appendingPathComponent("ttyout").path
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count - 12).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConversionError.self) {
            _ = try Converter.convertSudoIOLog(directoryPath: dir.path, sink: MemorySink(), options: ConversionOptions())
        }
    }

    static let canRunSudo: Bool = {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/sudo")
            && FileManager.default.isWritableFile(atPath: "/etc/sudoers.d") && Recorders.script != nil
            && FileManager.default.isExecutableFile(atPath: "/usr/sbin/visudo")
    }()

    /// Sums of a sudo timing file's delays (µs, rounded from exact nanoseconds) parsed here.
    private func timingEndMicros(_ text: String) -> Int64 {
        var nanos: Int64 = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")[1].split(separator: ".")
            nanos += Int64(parts[0])! * 1_000_000_000 + Int64(parts[1].padding(toLength: 9, withPad: "0", startingAt: 0))!
        }
        return (nanos + 500) / 1000
    }

    @Test("A real sudo I/O log (sudoers log_output/log_input for one test command only)",
          .enabled(if: canRunSudo, "root, sudo, visudo and script are needed"))
    func realSudo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let command = dir.appendingPathComponent("run.sh").path
        try Data("#!/bin/sh\nprintf 'hello \\303\\251\\n'; read x; echo \"got $x\"; printf 'err\\n' >&2\n".utf8).write(to: URL(fileURLWithPath: command))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: command)
        let iolog = dir.appendingPathComponent("io").path
        // The Defaults apply to this one command path only, and the snippet is removed at once.
        let snippet = "/etc/sudoers.d/psrec-test-\(UUID().uuidString.prefix(8))"
        try Data("Defaults!\(command) log_output, log_input, iolog_dir=\(iolog), iolog_file=session\n".utf8).write(to: URL(fileURLWithPath: snippet))
        defer { try? FileManager.default.removeItem(atPath: snippet) }
        try FileManager.default.setAttributes([.posixPermissions: 0o440], ofItemAtPath: snippet)
        try #require(try Recorders.run("/usr/sbin/visudo", ["-cf", snippet]).status == 0)
        let result = try Recorders.inTerminal("(sleep 0.5; printf 'abc\\r') | script -q -E always -c \(shellQuoted("sudo -u root \(command)")) /dev/null")
        try? FileManager.default.removeItem(atPath: snippet)
        try #require(result.status == 0, "sudo failed: \(result.output)")
        let session = iolog + "/session"
        let c = try convert(URL(fileURLWithPath: session))
        // The expected bytes, decompressed by the system's gzip.
        let ttyout = try Recorders.run("/bin/sh", ["-c", "gzip -dc \(shellQuoted(session + "/ttyout")) 2>/dev/null || cat \(shellQuoted(session + "/ttyout"))"])
        let timing = try Recorders.run("/bin/sh", ["-c", "gzip -dc \(shellQuoted(session + "/timing")) 2>/dev/null || cat \(shellQuoted(session + "/timing"))"])
        #expect(c.output == Array(ttyout.output.utf8))
        #expect(String(decoding: c.output, as: UTF8.self).contains("got abc"))
        let input = c.events.reduce(into: [UInt8]()) { if case .input(let b) = $1.event { $0 += b } }
        #expect(String(decoding: input, as: UTF8.self).contains("abc"))
        #expect(c.events.last?.timeMicros == timingEndMicros(timing.output))
        #expect(c.metadata?.user == "root")
        #expect(c.metadata?.command == command)
        #expect(c.metadata?.extra["sudo.runas_user"] == "root")
    }
}
