import Foundation
import Testing
import PsrecFormat
#if canImport(Glibc)
import Glibc
import PsrecTestSupport
#endif

/// Writer faults for real (issue 3, section 4): a writing process killed with SIGKILL at
/// random moments, and a filesystem that fills up.
@Suite(.serialized) struct WriterFaultTests {
    /// A `psrec convert - -o FILE` process fed a live asciicast stream: 10 events per
    /// second of session time, so a chunk (1 s) holds 10 events.
    final class LiveWriter {
        let process = Process()
        let input = Pipe()
        let path: String
        var sent = 0

        init(path: String) throws {
            self.path = path
            process.executableURL = CLI.binary
            process.arguments = ["convert", "-", "-o", path]
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            send("{\"version\": 2, \"width\": 80, \"height\": 24, \"timestamp\": 1764000000}\n")
        }

        static func line(_ i: Int) -> String { "line \(i) " + String(repeating: "=", count: i % 40) + "\r\n" }
        static func micros(_ i: Int) -> Int64 { Int64(i) * 100_000 }

        func send(_ text: String) { input.fileHandleForWriting.write(Data(text.utf8)) }

        func sendEvents(_ count: Int) {
            var text = ""
            for _ in 0..<count {
                text += "[\(sent / 10).\(sent % 10), \"o\", \"\(Self.line(sent).replacingOccurrences(of: "\r\n", with: "\\r\\n"))\"]\n"
                sent += 1
            }
            send(text)
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? input.fileHandleForWriting.close()
        }
    }

    func outputs(_ path: String) throws -> [String] {
        let reader = try RecordingReader(path: path)
        return reader.events().compactMap { if case .output(let b) = $0.event { String(decoding: b, as: UTF8.self) } else { nil } }
    }

    @Test func aKilledWriterLeavesATruncatedFileWithEverythingUpToItsLastChunk() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SeededGenerator()
        for round in 0..<16 {
            let path = dir.appendingPathComponent("round\(round).psrec").path
            let writer = try LiveWriter(path: path)
            let target = Int.random(in: 25...300, using: &rng)
            while writer.sent < target {
                writer.sendEvents(min(target - writer.sent, Int.random(in: 1...15, using: &rng)))
                usleep(UInt32.random(in: 0...3000, using: &rng))
            }
            let settled = round % 2 == 1
            if settled {
                // Let the writer consume everything sent: then only the open chunk may be lost.
                usleep(400_000)
            } else {
                // Kill at a random moment, possibly in the middle of a write.
                usleep(UInt32.random(in: 0...20_000, using: &rng))
            }
            // The file exists once the writer has started; wait for it before killing.
            for _ in 0..<200 where (fileSize(path) ?? 0) == 0 { usleep(10_000) }
            writer.kill()

            let verdict = Validator.verify(path: path)
            #expect(verdict.status == .truncated, "round \(round), \(rng.note()): \(verdict.status) \(verdict.problems.map(\.message))")
            let verify = try CLI.run(["verify", path])
            #expect(verify.status == 1, "round \(round), \(rng.note())")
            let got = try outputs(path)
            let expected = (0..<writer.sent).map(LiveWriter.line)
            #expect(Array(expected.prefix(got.count)) == got, "round \(round), \(rng.note()): not a prefix")
            if settled {
                // At most one chunk interval (1 s = 10 events) plus the event that would close it is lost.
                #expect(got.count >= writer.sent - 11, "round \(round): kept \(got.count) of \(writer.sent)")
            }
            #expect(try CLI.run(["cat", path]).status == 1)
        }
    }

    /// Mounts a tiny tmpfs (root only); nil where that is not possible.
    func tinyFilesystem(bytes: Int) -> URL? {
        let dir = CLI.tempDir()
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", dir.path]
        mount.standardError = FileHandle.nullDevice
        guard (try? mount.run()) != nil else { return nil }
        mount.waitUntilExit()
        return mount.terminationStatus == 0 ? dir : nil
    }

    func unmount(_ dir: URL) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/umount")
        p.arguments = [dir.path]
        try? p.run()
        p.waitUntilExit()
        try? FileManager.default.removeItem(at: dir)
    }

    @Test func aFullFilesystemCutsTheFileBackToAChunkBoundary() throws {
        let fs = tinyFilesystem(bytes: 256 * 1024)
        let dir: URL
        if let fs { dir = fs } else {
            // Not root or no tmpfs here: the injected failure in RecordingWriterTests covers the logic.
            try #require(getuid() != 0, "root could not mount a tmpfs")
            return
        }
        defer { unmount(dir) }
        let path = dir.appendingPathComponent("full.psrec").path
        var options = WriterOptions(codec: .zstd)
        options.sync = .everyChunk
        let writer = try RecordingWriter(path: path, metadata: RecordingMetadata(startUnixMicros: 0, user: "alice"), options: options)
        var rng = SeededGenerator()
        var appended: [[UInt8]] = []
        var failure: FormatError?
        for i in 0..<100_000 {
            // Random bytes do not compress, so the disk fills quickly.
            let bytes = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                try writer.output(bytes, atMicros: Int64(i) * 50_000)
                appended.append(bytes)
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure)
        #expect(error.code == .io)
        #expect(error.message.contains("No space left on device"))
        #expect(error.message.contains("cut back to its last complete chunk"))
        #expect(throws: FormatError.self) { try writer.close() }
        let verdict = Validator.verify(path: path)
        #expect(verdict.status == .truncated)
        #expect(verdict.lastGoodOffset == Int64(fileSize(path) ?? -1))
        let reader = try RecordingReader(path: path)
        let kept = reader.events().compactMap { if case .output(let b) = $0.event { b } else { nil } }
        #expect(!kept.isEmpty)
        #expect(Array(appended.prefix(kept.count)) == kept)
    }
}

func fileSize(_ path: String) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
}
