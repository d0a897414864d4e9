import Foundation
import SystemPackage
import Testing
@testable import PsrecFormat

/// `SystemCalls`, the one way psrec reads and writes descriptors.
@Suite struct SystemCallsTests {
    @Test func readReportsTheEndAndNothingToReadApart() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var buffer = [UInt8](repeating: 0, count: 16)
        // Nothing written yet: EAGAIN, not the end.
        #expect(throws: Errno.resourceTemporarilyUnavailable) {
            _ = try buffer.withUnsafeMutableBytes { buffer throws(Errno) in try SystemCalls.read(fds[0], into: buffer) }
        }
        #expect(SystemCalls.writeAll(fds[1], Array("abc".utf8)))
        close(fds[1])
        let n = try buffer.withUnsafeMutableBytes { buffer throws(Errno) in try SystemCalls.read(fds[0], into: buffer) }
        #expect(Array(buffer.prefix(n)) == Array("abc".utf8))
        let end = try buffer.withUnsafeMutableBytes { buffer throws(Errno) in try SystemCalls.read(fds[0], into: buffer) }
        #expect(end == 0)
    }

    /// A full non-blocking pipe is waited on, and everything arrives, in order.
    @Test func writeAllWaitsForAFullNonBlockingPipe() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let reader = fds[0]
        nonisolated(unsafe) var received: [UInt8] = []
        let done = DispatchSemaphore(value: 0)
        // A slow reader: the 64 KiB pipe fills up many times over.
        let thread = Thread {
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                usleep(100)
                let n = read(reader, &chunk, chunk.count)
                if n <= 0 { break }
                received += chunk.prefix(n)
            }
            done.signal()
        }
        thread.start()
        #expect(SystemCalls.writeAll(fds[1], bytes))
        close(fds[1])
        done.wait()
        close(fds[0])
        #expect(received == bytes)
    }

    @Test func writeAllReportsAReaderThatIsGone() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous); close(fds[1]) }
        #expect(!SystemCalls.writeAll(fds[1], Array("lost".utf8)))
    }
}
