#if canImport(Glibc)
import Glibc
#endif
import PsrecFormat

/// Buffered writes to stdout and one-line messages to stderr.
package enum Console {
    /// Writes a message line to stderr, prefixed with `psrec: `.
    package static func error(_ message: String) {
        var line = "psrec: " + message
        if !line.hasSuffix("\n") { line += "\n" }
        writeAll(2, Array(line.utf8))
    }

    /// True when stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    /// True when stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Writes all of `raw` to `fd` (`SystemCalls.writeAll`). If the reader of a pipe is gone,
    /// psrec ends on SIGPIPE (exit 141 in a shell), as `cat` and every Unix filter do.
    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) {
        SystemCalls.writeAll(fd, raw)
    }
}

/// Collects stdout bytes and writes them in large blocks.
final class OutputBuffer {
    // Raw storage rather than an array: `psrec cat` appends a million small event bodies,
    // and each array append on a class property costs an exclusivity check and a
    // uniqueness check.
    private let storage: UnsafeMutableRawBufferPointer
    private var count = 0
    private let fd: Int32

    init(fd: Int32 = 1, blockSize: Int = 1 << 16) {
        self.fd = fd
        storage = .allocate(byteCount: blockSize, alignment: 1)
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        if bytes.count > storage.count - count {
            flush()
            if bytes.count >= storage.count {
                Console.writeAll(fd, bytes)
                return
            }
        }
        guard let source = bytes.baseAddress else { return }
        (storage.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    func flush() {
        guard count > 0 else { return }
        Console.writeAll(fd, UnsafeRawBufferPointer(rebasing: storage[..<count]))
        count = 0
    }

    deinit {
        flush()
        storage.deallocate()
    }
}
