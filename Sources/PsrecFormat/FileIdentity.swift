#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The device and inode number of a file (`stat(2)`): two paths, or a path and an open
/// descriptor, name the same file exactly when these agree, whatever links, `./` or `..`
/// the paths take. Commands compare their output with each of their inputs this way, so
/// that `repair IN -o ./IN --force` cannot destroy what it was asked to read.
public struct FileIdentity: Equatable, Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    /// The identity of the file at `path`, following symbolic links; nil when it does not exist.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// The identity of the file open as `fileDescriptor` (`fstat(2)`); nil when it is not open.
    public init?(fileDescriptor: Int32) {
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// True when both paths exist and are the same file.
    public static func same(_ a: String, _ b: String) -> Bool {
        guard let first = FileIdentity(path: a), let second = FileIdentity(path: b) else { return false }
        return first == second
    }
}
