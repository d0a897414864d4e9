import Foundation
import Testing
@testable import PsrecCLI
#if canImport(Glibc)
import Glibc
#endif

/// How `record --server` waits for its streamer at the session's end
/// (`RecordingStream.awaitExit`): on the end of the streamer's output pipe, not by polling.
@Suite("record --server waits for its streamer")
struct RecordingStreamTests {
    /// `/bin/sh -c SCRIPT` with its standard output and error on a pipe: the pid and the
    /// pipe's read end.
    static func shell(_ script: String) throws -> (pid: pid_t, output: Int32) {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        // Not inherited by what other tests start meanwhile, which would hold the pipe open.
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let (status, pid) = NetworkTool.spawn("/bin/sh", ["-c", script], stdin: nil, stdout: pipeEnds[1], stderr: pipeEnds[1], closing: [pipeEnds[0]])
        close(pipeEnds[1])
        try #require(status == 0)
        return (pid, pipeEnds[0])
    }

    @Test("what the streamer says is passed on, as soon as it has exited")
    func passesOnWhatItSaid() throws {
        let child = try Self.shell("echo 'held up to byte 42' >&2; exit 3")
        defer { close(child.output) }
        let start = ContinuousClock.now
        let said = RecordingStream.awaitExit(pid: child.pid, output: child.output, seconds: 10)
        #expect(said.map { String(decoding: $0, as: UTF8.self) } == "held up to byte 42\n")
        #expect(ContinuousClock.now - start < .seconds(5))
        // Reaped: there is no such child any more.
        var status: Int32 = 0
        #expect(waitpid(child.pid, &status, WNOHANG) == -1)
    }

    @Test("a streamer that writes more than a pipe holds before it exits is not kept waiting; 16 KiB of it are kept")
    func moreThanAPipeHolds() throws {
        // 256 KiB: four times what a Linux pipe buffers. Read only after the exit, the
        // streamer would block on its write until the deadline.
        let child = try Self.shell("head -c 262144 /dev/zero | tr '\\0' x; exit 0")
        defer { close(child.output) }
        let said = RecordingStream.awaitExit(pid: child.pid, output: child.output, seconds: 20)
        #expect(said?.count == 16_384)
        #expect(said?.allSatisfy { $0 == UInt8(ascii: "x") } == true)
    }

    @Test("a streamer still running at the deadline is left to finish in the background")
    func deadline() throws {
        let child = try Self.shell("sleep 30")
        defer {
            kill(child.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(child.pid, &status, 0)
            close(child.output)
        }
        let start = ContinuousClock.now
        #expect(RecordingStream.awaitExit(pid: child.pid, output: child.output, seconds: 0.3) == nil)
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(300) && waited < .seconds(10))
    }
}
