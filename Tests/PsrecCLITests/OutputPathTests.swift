import Foundation
import Testing
import PsrecTestSupport
@testable import PsrecCLI
import PsrecInterop
import PsrecCatalog
import PsrecFormat
#if canImport(Glibc)
import Glibc
#endif

/// Commands that write a file refuse an output that is one of their inputs, by identity.
@Suite("outputs that are inputs are refused")
struct OutputPathTests {
    @Test("repair IN -o IN --force, spelled otherwise or hard-linked, is refused and IN is unchanged",
          arguments: ["./", "dot-dot", "hard-link", "symlink"])
    func repairIntoItsInput(spelling: String) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.psrec").path
        try FileManager.default.copyItem(atPath: CLI.vector("truncated.psrec"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let output: String
        switch spelling {
        case "./": output = dir.path + "/./in.psrec"
        case "dot-dot": output = dir.path + "/../" + dir.lastPathComponent + "/in.psrec"
        case "hard-link":
            output = dir.appendingPathComponent("link.psrec").path
            #expect(link(input, output) == 0)
        default:
            output = dir.appendingPathComponent("sym.psrec").path
            try FileManager.default.createSymbolicLink(atPath: output, withDestinationPath: input)
        }
        let result = try CLI.run(["repair", input, "-o", output, "--force"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("is the input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }

    @Test("A failed repair with --force leaves the existing OUT as it was, and no temporary behind")
    func failedRepairKeepsOutput() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("not.psrec").path, output = dir.appendingPathComponent("out.psrec").path
        try Data("this is not a recording".utf8).write(to: URL(fileURLWithPath: input))
        try Data("earlier output".utf8).write(to: URL(fileURLWithPath: output))
        let result = try CLI.run(["repair", input, "-o", output, "--force"])
        #expect(result.status != 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "earlier output")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["not.psrec", "out.psrec"])
    }

    @Test("A repair writes OUT complete, with no temporary behind")
    func repairWrites() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let output = dir.appendingPathComponent("out.psrec").path
        let result = try CLI.run(["repair", CLI.vector("truncated.psrec"), "-o", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try CLI.run(["verify", output]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.psrec"])
    }

    @Test("convert - -o FILE with FILE on standard input is refused and FILE is unchanged")
    func convertStandardInputIntoItself() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.cast").path
        let cast = "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"hi\"]\n"
        try cast.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["convert", "-", "-o", path, "--force"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64, "\(message)")
        #expect(message.contains("standard input"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == cast)
    }
}

/// The libraries' errors reach the user through one table: a status per code, advice naming flags.
@Suite("failures: one table from typed errors to sentences and statuses")
struct FailureTableTests {
    @Test("export to an existing file: exit 64 and the flag that replaces it; a typescript alone: exit 64 and what to give")
    func adviceAndStatus() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out.txt").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: out))
        let export = try CLI.run(["export", CLI.vector("terminal-zstd.psrec"), "--format", "txt", "-o", out])
        #expect(export.status == 64)
        #expect(export.stderr == "psrec: \(out): exists; give --force to replace it.\n")
        let typescript = dir.appendingPathComponent("typescript").path
        try Data("Script started on 2024-05-01 10:00:00+02:00 [TERM=\"xterm\"]\nhello\n".utf8).write(to: URL(fileURLWithPath: typescript))
        let convert = try CLI.run(["convert", typescript, "-o", dir.appendingPathComponent("t.psrec").path])
        #expect(convert.status == 64, "\(convert.stderr)")
        #expect(convert.stderr.contains("is read with its timing file; give a script recording's timing file with --timing"))
    }

    @Test("Every conversion and export code has a status; input problems are 3, misuse is 64")
    func everyCode() {
        for code in ConversionError.Code.allCases {
            let failure = FailureTable.failure(for: ConversionError(code, file: "f", reason: "r"))
            #expect(failure?.status == ([.outputIsInput, .needsMoreFiles].contains(code) ? 64 : 3), "\(code)")
            #expect(failure?.message.hasSuffix(".") == true)
        }
        for code in ExportError.Code.allCases {
            #expect(FailureTable.failure(for: ExportError(code, file: "f", reason: "r"))?.status == ([.outputExists, .outputIsInput].contains(code) ? 64 : 3))
        }
        #expect(FailureTable.failure(for: CatalogError(.refused, "no"))?.status == 77)
        #expect(FailureTable.failure(for: FormatError(.misuse, "no"))?.status == 64)
    }
}

/// Readers open regular files only, whatever a file is named.
@Suite("readers open regular files only")
struct RegularInputTests {
    @Test("verify of a folder holding a FIFO named *.psrec answers at once, and says what the FIFO is", arguments: ["verify", "info", "cat"])
    func fifoIsRefused(command: String) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("trap.psrec").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.copyItem(atPath: CLI.vector("minimal.psrec"), toPath: dir.appendingPathComponent("ok.psrec").path)
        let result = try MeasuredRun.run(command == "verify" ? ["verify", dir.path] : [command, fifo], timeoutSeconds: 20)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.seconds < 10)
        #expect((result.stdout + result.stderr).contains("FIFO"), "\(result.stdout) \(result.stderr)")
    }

    @Test("A recording being written is not inherited by programs the writer starts (close-on-exec)")
    func sinkIsCloseOnExec() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.psrec").path
        let sinks = [try FileSink(path: path), try FileSink.temporary(beside: path)]
        for sink in sinks {
            let fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap(Int32.init)
            let open = fds.filter { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == sink.path }
            #expect(!open.isEmpty)
            for fd in open { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "\(sink.path) is inherited across exec") }
            try sink.close()
        }
    }
}
