import Foundation
import PsrecFormat
import Testing
import PsrecTestSupport

/// Sizes a recording declares (a screen in its metadata, terminal resizes) are numbers, not
/// content: tiny files declaring huge ones must cost little memory and time.
@Suite("declared sizes cost what the content costs", .serialized)
struct DeclaredSizeTests {
    static let memoryLimit: Int64 = 64 << 20

    @Test("render of a few hundred bytes declaring a 16384×16384 screen: little memory, a clear error")
    func hugeDeclaredScreen() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("huge.psrec").path
        let meta = RecordingMetadata(sessionProtocol: .rdp, startUnixMicros: 1_764_000_000_000_000, user: "mallory",
                                     screen: .init(width: Limits.maxScreenDimension, height: Limits.maxScreenDimension))
        let writer = try RecordingWriter(path: path, metadata: meta)
        try writer.append(.pointerMove(x: 10, y: 10), atMicros: 1_000)
        try writer.close(endMicros: 2_000)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size < 2_000)
        let png = dir.appendingPathComponent("f.png").path
        let result = try MeasuredRun.run(["render", path, "--at", "end", "-o", png])
        #expect(Int64(result.peakResidentBytes) < Self.memoryLimit, "render peaked at \(result.peakResidentBytes >> 20) MB")
        #expect(result.status != 0)
        #expect(result.stderr.contains("no screen to draw"), "\(result.stderr)")
        let sheet = try MeasuredRun.run(["contact-sheet", path, "-o", dir.appendingPathComponent("s.png").path])
        #expect(Int64(sheet.peakResidentBytes) < Self.memoryLimit, "contact-sheet peaked at \(sheet.peakResidentBytes >> 20) MB")
    }

    @Test("export --format txt of a small file of resizes to 65535×65535 and back: little memory and time")
    func resizeStorm() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("resizes.psrec").path
        let big = Limits.maxTerminalDimension
        let meta = RecordingMetadata(startUnixMicros: 1_764_000_000_000_000, user: "mallory",
                                     terminal: .init(cols: big, rows: big))
        var options = WriterOptions()
        options.chunkIntervalMicros = 60_000_000
        let writer = try RecordingWriter(path: path, metadata: meta, options: options)
        for k in 0..<400 {
            let t = Int64(k) * 10
            try writer.append(.resize(cols: k % 2 == 0 ? big : 1, rows: k % 2 == 0 ? 1 : big), atMicros: t)
            try writer.append(.output(Array("x\r\n".utf8)), atMicros: t + 1)
        }
        try writer.close(endMicros: 4_000)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size < 4_000, "the hostile file is \(size) bytes")
        let out = dir.appendingPathComponent("out.txt").path
        let result = try MeasuredRun.run(["export", path, "--format", "txt", "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Int64(result.peakResidentBytes) < Self.memoryLimit, "export peaked at \(result.peakResidentBytes >> 20) MB")
        #expect(result.seconds < 10, "export took \(result.seconds) s")
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.components(separatedBy: "x").count - 1 == 400)
    }

    /// Small files whose output makes a large screen work hard (found by an outside review):
    /// before, a run of 20 000 resizes took minutes, 2000 erases of a 256 × 1024 screen 45 s,
    /// 2000 scrolls by 9999 lines minutes, a million combining marks on one character 73 s
    /// (each joined to a growing string), and a wide character in a one-column terminal
    /// crashed (index out of range).
    @Test(arguments: ["resize-run", "resize-with-output", "linefeed-storm", "erase-storm", "scroll-storm", "insert-lines", "combining", "narrow-wide", "fresh-rows", "far-column"])
    func hostileScreenStreams(name: String) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name + ".psrec").path
        let (cols, rows) = name == "narrow-wide" ? (1, 5) : ["linefeed-storm", "fresh-rows", "far-column"].contains(name) ? (4096, 64) : (256, 1024)
        let meta = RecordingMetadata(startUnixMicros: 1_764_000_000_000_000, user: "mallory", terminal: .init(cols: cols, rows: rows))
        var options = WriterOptions()
        options.chunkIntervalMicros = 60_000_000
        let writer = try RecordingWriter(path: path, metadata: meta, options: options)
        func repeated(_ text: String, _ count: Int) -> [UInt8] { Array(String(repeating: text, count: count).utf8) }
        switch name {
        case "resize-run":
            for k in 0..<20_000 { try writer.append(.resize(cols: k % 2 == 0 ? 4096 : 1, rows: k % 2 == 0 ? 64 : 1), atMicros: Int64(k)) }
            try writer.append(.output(Array("x\r\n".utf8)), atMicros: 20_000)
        case "resize-with-output":
            // A screenful between resizes: before output paid for resizing, 50 000 such
            // cycles in a 7 KB file took minutes in a release build.
            for k in 0..<3000 {
                try writer.append(.resize(cols: k % 2 == 0 ? 1 : 4096, rows: k % 2 == 0 ? 1 : 64), atMicros: Int64(k) * 2)
                try writer.append(.output(Array("\u{1B}[H".utf8) + repeated("y\r\n", 63)), atMicros: Int64(k) * 2 + 1)
            }
        case "linefeed-storm":
            // A million line feeds on a 4096-column screen: a new blank row of 4096 cells for
            // each took over 100 s in a release build; the erased row is now reused.
            try writer.append(.output(Array("x".utf8) + [UInt8](repeating: 0x0A, count: 1_000_000)), atMicros: 0)
        case "fresh-rows":
            // A character on each fresh row of a 4096-column screen: with every row an array
            // of 4096 cells, the first character copied the row (13 s in a release build for
            // an 801-byte file); a row now stores the cells up to its last character.
            try writer.append(.output(repeated("x\r\n", 300_000)), atMicros: 0)
        case "far-column":
            // A character at column 4000 on each row, in a background colour: the cells up to
            // it are stored (the transcript has 4000 columns of text there: 20 MB here, 400 MB
            // and 4.6 s in a release build for 100 000 such rows in 1.2 KB).
            try writer.append(.output(repeated("\u{1B}[41m\u{1B}[4000Gx\u{1B}[K\r\n", 5_000)), atMicros: 0)
        case "erase-storm": try writer.append(.output(Array("x".utf8) + repeated("\u{1B}[2J", 2000)), atMicros: 0)
        case "scroll-storm": try writer.append(.output(Array("x".utf8) + repeated("\u{1B}[9999S", 2000)), atMicros: 0)
        case "insert-lines": try writer.append(.output(Array("x".utf8) + repeated("\u{1B}[9999L", 2000)), atMicros: 0)
        case "combining": try writer.append(.output(Array("x".utf8) + repeated("\u{0300}", 500_000)), atMicros: 0)
        default: try writer.append(.output(Array("\u{1B}[?7l\u{4E2D}ab".utf8)), atMicros: 0)
        }
        try writer.close(endMicros: 20_000)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size < 4_000, "the hostile file is \(size) bytes")
        let out = dir.appendingPathComponent("out.txt").path
        let result = try MeasuredRun.run(["export", path, "--format", "txt", "-o", out], timeoutSeconds: 120)
        print("DeclaredSizeTests: export --format txt of \(name) (\(size) bytes): peak \(result.peakResidentBytes >> 20) MB, \(String(format: "%.2f", result.seconds)) s")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Int64(result.peakResidentBytes) < Self.memoryLimit, "export peaked at \(result.peakResidentBytes >> 20) MB")
        #expect(result.seconds < 20, "export took \(result.seconds) s")
        if name == "far-column" {
            // 4000 columns of blanks and an x on each row.
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.utf8.count == 5_000 * 4001)
            #expect(text.hasPrefix(String(repeating: " ", count: 3999) + "x\n"))
        }
    }
}
