import Foundation
@testable import PsrecCapture
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("SessionRecorder.writeAll")
struct WriteAllTests {
    @Test("Everything reaches a full non-blocking pipe, in order, while the reader drains it late; the writer sleeps until the pipe takes more")
    func fullNonBlockingPipe() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        let writeEnd = fds[1]
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        nonisolated(unsafe) var writerWakeups = 0
        let writer = Thread {
            SessionRecorder.writeAll(writeEnd, bytes)
            var usage = rusage()
            getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD (a GNU extension the Glibc module leaves out)
            writerWakeups = usage.ru_nvcsw
            close(writeEnd)
        }
        writer.start()
        // The pipe (64 KiB) fills at once; the writer must wait half a second for a reader.
        usleep(500_000)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[..<n]
        }
        #expect(received == bytes)
        // Waiting in poll(2) sleeps once for the half second and wakes about once per
        // 64 KiB drained (16 times for 1 MiB); a 1 ms sleep-and-retry loop wakes 500 times
        // in the half second alone.
        #expect(writerWakeups < 200, "the writer gave up the CPU \(writerWakeups) times")
    }
}
