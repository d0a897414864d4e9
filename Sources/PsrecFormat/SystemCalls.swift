#if canImport(Glibc)
import Glibc
#endif
package import SystemPackage

/// Reading and writing file descriptors through swift-system, the one way psrec does it:
/// EINTR is retried, short writes are continued, and a full non-blocking descriptor is
/// waited on with `poll(2)`, never spun on.
package enum SystemCalls {
    /// Writes all of `raw` to `fd`. A non-blocking descriptor that is full (EAGAIN: a
    /// terminal or a pipe whose reader is slow) is waited on until it takes more.
    /// - Returns: false at any other error (the other side is gone); what was written stays.
    @discardableResult
    package static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
        let descriptor = FileDescriptor(rawValue: fd)
        var offset = 0
        while offset < raw.count {
            do {
                let written = try descriptor.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                // write(2) taking nothing of a non-empty buffer would loop for ever.
                if written <= 0 { return false }
                offset += written
            } catch Errno.resourceTemporarilyUnavailable {
                var writable = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&writable, 1, -1)
            } catch {
                return false
            }
        }
        return true
    }

    /// Writes all of `bytes` to `fd`; see `writeAll(_:_:)` taking a buffer.
    @discardableResult
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// Reads at most `buffer.count` bytes from `fd` (EINTR retried).
    /// - Returns: the bytes read; 0 at the end of the input.
    /// - Throws: the `Errno` of any other failure (EAGAIN included, for a non-blocking
    ///   descriptor with nothing to read).
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        do {
            return try FileDescriptor(rawValue: fd).read(into: buffer)
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
    }
}
