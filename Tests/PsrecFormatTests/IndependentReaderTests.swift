import Foundation
import Testing

/// Checks that `Spec/format.md` and the golden vectors agree, using a second reader:
/// `Spec/independent-reader/psrec_reader.py`, written in Python from the Spec alone (no code
/// shared with `Sources/PsrecFormat`). For every `NAME.psrec` in `Spec/vectors/` its output must
/// be exactly `NAME.info.json`, a line `---`, then `NAME.events.jsonl` (`Spec/format.md#test-vectors`).
///
/// Needs `python3` on the PATH (3.11 or later, with libzstd for zstd payloads); CI installs it. A
/// missing `python3` fails these tests rather than skipping them.
@Suite struct IndependentReaderTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let vectors = root.appendingPathComponent("Spec/vectors")
    static let script = root.appendingPathComponent("Spec/independent-reader/psrec_reader.py")

    /// Every vector name, found by listing the directory so that new vectors are picked up.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: vectors.path)) ?? []
        return files.filter { $0.hasSuffix(".psrec") }.map { String($0.dropLast(".psrec".count)) }.sorted()
    }()

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Collects a pipe's bytes on another thread, so that neither pipe can fill up and block.
    final class Drain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        init(_ handle: FileHandle) {
            DispatchQueue.global().async {
                self.data = handle.readDataToEndOfFile()
                self.done.signal()
            }
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }

    /// The `python3` executable on the PATH, or nil.
    static func python3() -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("python3")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs the Python reader on `file`; records an issue and returns nil when python3 is missing.
    static func runReader(on file: URL, arguments: [String] = []) throws -> Output? {
        guard let python = python3() else {
            Issue.record("python3 was not found on the PATH: the independent reader tests need it (CI installs python3)")
            return nil
        }
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path] + arguments + [file.path]
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outDrain = Drain(out.fileHandleForReading), errDrain = Drain(err.fileHandleForReading)
        let stdout = outDrain.wait(), stderr = errDrain.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func vectorsArePresent() {
        #expect(!Self.names.isEmpty, "no .psrec files found in \(Self.vectors.path)")
        #expect(FileManager.default.fileExists(atPath: Self.script.path), "missing \(Self.script.path)")
    }

    @Test(arguments: names)
    func readerMatchesVector(_ name: String) throws {
        let info = try String(contentsOf: Self.vectors.appendingPathComponent("\(name).info.json"), encoding: .utf8)
        let events = try String(contentsOf: Self.vectors.appendingPathComponent("\(name).events.jsonl"), encoding: .utf8)
        guard let result = try Self.runReader(on: Self.vectors.appendingPathComponent("\(name).psrec")) else { return }
        #expect(result.status == 0, "python3 psrec_reader.py \(name).psrec exited \(result.status): \(result.stderr)")
        let expected = info + "---\n" + events
        if result.stdout != expected {
            // Name the first differing line rather than dumping both outputs.
            let got = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = (0..<min(got.count, want.count)).first { got[$0] != want[$0] } ?? min(got.count, want.count)
            let g = line < got.count ? String(got[line]) : "(no line)"
            let w = line < want.count ? String(want[line]) : "(no line)"
            Issue.record("""
                output differs from \(name).info.json + "---" + \(name).events.jsonl at line \(line + 1):
                  got:      \(g)
                  expected: \(w)
                stderr: \(result.stderr)
                """)
        }
    }

    /// Every vector with a `NAME.seals.json` (format 1.2) gives exactly that with `--seals`.
    @Test(arguments: names.filter { FileManager.default.fileExists(atPath: vectors.appendingPathComponent("\($0).seals.json").path) })
    func readerMatchesSealVector(_ name: String) throws {
        let expected = try String(contentsOf: Self.vectors.appendingPathComponent("\(name).seals.json"), encoding: .utf8)
        guard let result = try Self.runReader(on: Self.vectors.appendingPathComponent("\(name).psrec"), arguments: ["--seals"]) else { return }
        #expect(result.status == 0, "psrec_reader.py --seals \(name).psrec exited \(result.status): \(result.stderr)")
        #expect(result.stdout == expected)
    }

    /// A copy of a vector with one byte flipped inside the payload of its second chunk (the one
    /// after META) must not be reported `complete`: the payload CRC has to catch it.
    @Test(arguments: names)
    func damagedCopyIsNotComplete(_ name: String) throws {
        var bytes = [UInt8](try Data(contentsOf: Self.vectors.appendingPathComponent("\(name).psrec")))
        func u32(_ at: Int) -> Int {
            Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
        }
        let second = 32 + 48 + u32(32 + 12)
        try #require(second + 48 <= bytes.count, "\(name) has no second chunk")
        let stored = u32(second + 12)
        try #require(stored > 0 && second + 48 + stored <= bytes.count, "\(name)'s second chunk has no complete payload")
        bytes[second + 48 + stored / 2] ^= 0xFF

        let copy = FileManager.default.temporaryDirectory
            .appendingPathComponent("psrec-independent-\(UUID().uuidString)-\(name).psrec")
        try Data(bytes).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }

        guard let result = try Self.runReader(on: copy) else { return }
        #expect(result.status == 0, "the reader should still open a damaged file; exited \(result.status): \(result.stderr)")
        let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let object = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        let status = object?["status"] as? String
        #expect(status == "corrupt", "damaged copy of \(name) reported \(status ?? "nothing"): \(first)")
    }
}
