import Foundation

/// The advisory lock a recorder holds on the file it writes (`flock`, exclusive), so that
/// `psrec upload` leaves a file still being written to its recorder.
package struct SpoolLock {
    let descriptor: Int32

    /// Takes a shared lock on `path` without waiting; nil when a recorder holds it.
    package static func tryShared(_ path: String) -> SpoolLock? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return SpoolLock(descriptor: -1) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return SpoolLock(descriptor: fd)
    }

    /// Takes the exclusive lock a recorder holds while it writes `path`.
    package static func exclusive(_ path: String) -> SpoolLock? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            if fd >= 0 { close(fd) }
            return nil
        }
        return SpoolLock(descriptor: fd)
    }

    package func release() { if descriptor >= 0 { close(descriptor) } }
}
