import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What `psrec import` finds under a `*.psrec` name is not always a file, nor a recording
/// whose metadata the catalog can take as it is.
@Suite("Import inputs")
struct ImportInputTests {
    @Test("FIFOs, a symlink to a FIFO and devices named *.psrec are skipped at once; the real file is imported")
    func onlyRegularFilesAreOpened() throws {
        let ws = try Workspace()
        let dir = ws.path("in")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try write(try recordingBytes(), to: dir + "/a.psrec")
        #expect(mkfifo(dir + "/b-fifo.psrec", 0o600) == 0)
        #expect(mkfifo(ws.path("elsewhere-fifo"), 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: dir + "/c-link.psrec", withDestinationPath: ws.path("elsewhere-fifo"))
        try FileManager.default.createSymbolicLink(atPath: dir + "/d-zero.psrec", withDestinationPath: "/dev/zero")
        // A device node of its own (root only; a container may not allow it).
        let node = mknod(dir + "/e-node.psrec", S_IFCHR | 0o600, dev_t(1 << 8 | 5)) == 0
        let result = try MeasuredRun.run(["import", "--db", ws.dbPath, dir], timeoutSeconds: 60)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.seconds < 30)
        #expect(result.stdout.contains("added "))
        #expect(result.stderr.contains("b-fifo.psrec: Cannot read \(dir)/b-fifo.psrec: it is a FIFO (named pipe), not a regular file"))
        #expect(result.stderr.contains("c-link.psrec: Cannot read \(dir)/c-link.psrec: it is a FIFO (named pipe), not a regular file"))
        #expect(result.stderr.contains("d-zero.psrec: Cannot read \(dir)/d-zero.psrec: it is a character device, not a regular file"))
        if node { #expect(result.stderr.contains("e-node.psrec: Cannot read \(dir)/e-node.psrec: it is a character device")) }
        #expect(result.stderr.contains("1 added, 0 extended, 0 unchanged, \(node ? 4 : 3) skipped"))
        // A FIFO named directly is skipped the same way.
        let direct = try MeasuredRun.run(["import", "--db", ws.dbPath, dir + "/b-fifo.psrec"], timeoutSeconds: 60)
        #expect(direct.status == 3)
        #expect(direct.stderr.contains("not a regular file"))
    }

    @Test("RegularFile opens regular files and refuses the rest without blocking")
    func regularFileHelper() throws {
        let ws = try Workspace()
        try write([1, 2, 3], to: ws.path("f"))
        try RegularFile.check(ws.path("f"))
        try FileManager.default.createSymbolicLink(atPath: ws.path("link"), withDestinationPath: ws.path("f"))
        try RegularFile.check(ws.path("link"))
        #expect(mkfifo(ws.path("p"), 0o600) == 0)
        #expect(throws: FormatError(.io, "")) { try RegularFile.check(ws.path("p")) }
        #expect(throws: FormatError(.io, "")) { try RegularFile.check("/dev/zero") }
        #expect(throws: FormatError(.io, "")) { try RegularFile.check(ws.directory.path) }
        #expect(throws: FormatError(.io, "")) { try RegularFile.check(ws.path("missing")) }
    }

    @Test("a recording whose protocol is not ssh or rdp is not imported; its escape sequences reach no application row")
    func unknownProtocolIsRefused() throws {
        let ws = try Workspace()
        let hostile = RecordingMetadata.SessionProtocol(rawValue: "ssh\u{1B}]0;pwned\u{07}\u{1B}[2J")
        try write(try recordingBytes(application: "evil-app", sessionProtocol: hostile), to: ws.path("a.psrec"))
        try write(try recordingBytes(application: "fine-app", sessionProtocol: .rdp), to: ws.path("b.psrec"))
        let result = try CLI.run(["import", "--db", ws.dbPath, ws.path("a.psrec"), ws.path("b.psrec")])
        #expect(result.status == 3)
        #expect(result.stderr.contains("which the catalog does not accept"))
        #expect(!result.stderr.contains("\u{1B}"))
        #expect(try CLI.sqlite(ws.dbPath, "SELECT name || ' ' || protocol FROM applications") == "fine-app rdp\n")
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "1\n")
    }

    @Test("app list escapes a protocol already in the catalog (from an older psrec)")
    func appListEscapesProtocol() throws {
        let ws = try Workspace()
        _ = try ws.catalog()
        _ = try CLI.sqlite(ws.dbPath, "INSERT INTO applications (name, protocol, created_us) VALUES ('old', 'ssh' || char(27) || ']0;pwned' || char(7), 0)")
        let list = try CLI.run(["app", "list", "--db", ws.dbPath])
        #expect(list.status == 0)
        #expect(!list.text.contains("\u{1B}") && !list.text.contains("\u{07}"))
        #expect(list.text.contains("ssh\\x1b]0;pwned\\x07"))
        let json = try CLI.run(["app", "list", "--db", ws.dbPath, "--json"])
        #expect(!json.text.contains("\u{1B}"))
    }
}
