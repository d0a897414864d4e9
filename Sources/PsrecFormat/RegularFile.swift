public import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Opens a path only when it names a regular file.
///
/// Recordings are found by name (`*.psrec` in a directory), and a name says nothing about
/// what it is: `open(2)` of a FIFO blocks until someone writes to it, and a device such as
/// `/dev/zero` or `/dev/urandom` never ends. A FIFO is opened with `O_NONBLOCK` (which
/// makes `open` return at once), the opened file is checked with `fstat(2)`, and anything
/// but a regular file is closed and refused. Checking the descriptor rather than the name
/// leaves no moment in which the name could be swapped for something else.
public enum RegularFile {
    /// Opens `path` for reading (following symbolic links) if it is a regular file; the
    /// descriptor returned is blocking again and closed on exec.
    /// - Throws: `FormatError` `.io` naming the file and what it is instead (a FIFO, a
    ///   device, a directory, a socket), or why it cannot be opened.
    public static func openForReading(_ path: String) throws(FormatError) -> FileDescriptor {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec], retryOnInterrupt: true)
        } catch {
            throw FormatError(.io, "Cannot open \(path): \((error as? Errno)?.description ?? "\(error)")")
        }
        var status = stat()
        guard fstat(fd.rawValue, &status) == 0 else {
            let reason = Errno(rawValue: errno).description
            try? fd.close()
            throw FormatError(.io, "Cannot read \(path): \(reason)")
        }
        let kind = status.st_mode & S_IFMT
        guard kind == S_IFREG else {
            try? fd.close()
            throw FormatError(.io, "Cannot read \(path): it is \(describe(kind)), not a regular file; only regular files are read")
        }
        let flags = fcntl(fd.rawValue, F_GETFL)
        if flags >= 0 { _ = fcntl(fd.rawValue, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// Throws as `openForReading` does when `path` is not a regular file; opens nothing
    /// that stays open.
    public static func check(_ path: String) throws(FormatError) {
        let fd = try openForReading(path)
        try? fd.close()
    }

    private static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFIFO: "a FIFO (named pipe)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }
}
