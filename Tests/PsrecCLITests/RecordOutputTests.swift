import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

/// `psrec record`'s relay loop: what the session writes reaches our output and the recording
/// byte for byte, read after read, whatever the bytes.
@Suite("record relays and records output", .timeLimit(.minutes(3)))
struct RecordOutputTests {
    @Test("4 MiB of every byte value, escape sequences and invalid UTF-8 included: passed on and recorded byte for byte")
    func everyByteRecorded() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SystemRandomNumberGenerator()
        // Runs of text between random bytes, as a busy terminal shows: many reads, many events.
        var data = [UInt8]()
        while data.count < 4 << 20 {
            data += Array("line \(data.count) of the session's output ".utf8)
            data += (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let source = dir.appendingPathComponent("output.bin")
        try Data(data).write(to: source)
        let rec = dir.appendingPathComponent("out.psrec").path
        // No output processing on the session's terminal (-opost): what cat writes is what the pty gives.
        let run = try CLI.run(["record", "-o", rec, "--", "sh", "-c", "stty -opost; cat '\(source.path)'"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == data)
        let cat = try CLI.run(["cat", rec])
        #expect(cat.stdout == data)
        #expect(Validator.verify(path: rec).status == .complete)
    }
}
