#if canImport(Glibc)
import Glibc
#endif

/// Buffered writes to stdout and one-line messages to stderr.
enum Console {
    /// Writes a message line to stderr, prefixed with `psrec: `.
    static func error(_ message: String) {
        var line = "psrec: " + message
        if !line.hasSuffix("\n") { line += "\n" }
        writeAll(2, Array(line.utf8))
    }

    /// True when stdout is a terminal.
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    /// True when stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

/// Collects stdout bytes and writes them in large blocks.
final class OutputBuffer {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let blockSize: Int

    init(fd: Int32 = 1, blockSize: Int = 1 << 16) {
        self.fd = fd
        self.blockSize = blockSize
        buffer.reserveCapacity(blockSize * 2)
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= blockSize { flush() }
    }

    func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= blockSize { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        Console.writeAll(fd, buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
