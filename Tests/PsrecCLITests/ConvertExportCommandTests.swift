import Foundation
import Testing
import PsrecTestSupport

/// `psrec convert` with script and sudo recordings, and `psrec export FILE --format`.
@Suite("convert script/sudo and export --format", .serialized)
struct ConvertExportCommandTests {
    static let script: String? = ["/usr/bin/script", "/bin/script"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let asciinema: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .map { "\($0)/asciinema" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Records `command` with `script` in a 100x30 terminal; returns the directory.
    static func record(_ command: String, logging: String) throws -> URL {
        let dir = CLI.tempDir()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(script))
        process.currentDirectoryURL = dir
        process.arguments = ["-qec", "stty cols 100 rows 30; script -q \(logging) -c '\(command)'", "/dev/null"]
        // An input that stays open: at end of input script(1) sends the terminal's EOF
        // character, which a pty set up without a terminal echoes into the log as "^@".
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        try #require(process.terminationStatus == 0)
        return dir
    }

    @Test("convert TYPESCRIPT --timing T, then export to asciicast v2/v3 and txt",
          .enabled(if: script != nil, "util-linux script is needed"))
    func scriptRoundTrip() throws {
        let dir = try Self.record(#"printf "héllo ✓\n"; seq 1 40"#, logging: "--timing=timing typescript")
        defer { try? FileManager.default.removeItem(at: dir) }
        let psrec = dir.appendingPathComponent("s.psrec").path
        let convert = try CLI.run(["convert", dir.appendingPathComponent("typescript").path, "--timing", dir.appendingPathComponent("timing").path, "-o", psrec])
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stderr.contains("(script)"))
        let cat = try CLI.run(["cat", psrec])
        #expect(cat.text.hasPrefix("héllo ✓\r\n1\r\n"))

        for format in ["asciicast-v2", "asciicast-v3", "txt"] {
            let out = dir.appendingPathComponent("out.\(format)").path
            let export = try CLI.run(["export", psrec, "--format", format, "-o", out])
            #expect(export.status == 0, "\(format): \(export.stderr)")
            #expect(FileManager.default.fileExists(atPath: out))
        }
        let txt = try String(contentsOfFile: dir.appendingPathComponent("out.txt").path, encoding: .utf8)
        #expect(txt == "héllo ✓\n" + (1...40).map { "\($0)\n" }.joined())
        if let asciinema = Self.asciinema {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: asciinema)
            process.arguments = ["cat", dir.appendingPathComponent("out.asciicast-v2").path]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            try process.run()
            let printed = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect([UInt8](printed) == cat.stdout)
        }
        // An existing output needs --force.
        let again = try CLI.run(["export", psrec, "--format", "txt", "-o", dir.appendingPathComponent("out.txt").path])
        #expect(again.status == 64)
        #expect(again.stderr.contains("exists; give --force"))
    }

    @Test("convert --log-io FILE --log-timing T, and the timing file alone",
          .enabled(if: script != nil, "util-linux script is needed"))
    func advanced() throws {
        let dir = try Self.record("echo advanced", logging: "--log-io io.log --log-timing io.tim")
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.psrec").path, b = dir.appendingPathComponent("b.psrec").path
        let first = try CLI.run(["convert", "--log-io", dir.appendingPathComponent("io.log").path, "--log-timing", dir.appendingPathComponent("io.tim").path, "-o", a])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("(script-advanced)"))
        let second = try CLI.run(["convert", dir.appendingPathComponent("io.tim").path, "-o", b])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try CLI.run(["cat", a]).stdout == (try CLI.run(["cat", b]).stdout))
        #expect(try CLI.run(["cat", a]).text == "advanced\r\n")
    }

    @Test("Usage errors name what is missing", arguments: [
        (["convert", "-o", "x.psrec"], "Give the recording to convert"),
        (["convert", "--log-io", "f", "-o", "x.psrec"], "need the timing file too"),
        (["convert", "--timing", "t", "-o", "x.psrec"], "--timing needs the typescript"),
        (["convert", "--timing", "t", "--log-io", "a", "--log-in", "b", "-o", "x.psrec"], "--log-io holds both"),
        (["export", "f.psrec", "-o", "x"], "Give --db DB to export a catalog recording, or --format"),
        (["export", "f.psrec", "--format", "txt", "--db", "d", "-o", "x"], "give one or the other"),
        (["export", "f.psrec", "--format", "webm", "-o", "x"], "asciicast-v2"),
    ])
    func usage(arguments: [String], message: String) throws {
        let result = try CLI.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test("A sudo I/O log directory converts; a broken one is one sentence with exit status 3")
    func sudoDirectory() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("session")
        try FileManager.default.createDirectory(at: log, withIntermediateDirectories: true)
        try Data(#"{"timestamp":{"seconds":1714550400,"nanoseconds":0},"submituser":"alice\u001b[2J","runuser":"root","submithost":"h","command":"/bin/sh","lines":24,"columns":80}"#.utf8)
            .write(to: log.appendingPathComponent("log.json"))
        try Data("4 0.5 3\n".utf8).write(to: log.appendingPathComponent("timing"))
        try Data("hi\n".utf8).write(to: log.appendingPathComponent("ttyout"))
        let out = dir.appendingPathComponent("s.psrec").path
        let result = try CLI.run(["convert", log.path, "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("(sudo-iolog)"))
        let info = try CLI.run(["info", out])
        #expect(info.text.contains("alice\\x1b[2J"))
        #expect(!info.text.contains("\u{1b}"))
        try Data("4 0.5 30\n".utf8).write(to: log.appendingPathComponent("timing"))
        let broken = try CLI.run(["convert", log.path, "-o", dir.appendingPathComponent("t.psrec").path])
        #expect(broken.status == 3)
        #expect(broken.stderr == "psrec: \(log.path)/ttyout: the file ends after 3 bytes but \(log.path)/timing line 1 counts 27 more.\n")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("t.psrec").path))
    }
}
