public import Foundation
#if canImport(Glibc)
public import Glibc
#endif

/// What the tests' own `posix_spawn` calls share.
public enum Spawn {
    /// Makes `actions` close every descriptor from `lowest` up in the child: glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, which Swift's Glibc module does not
    /// declare. Without it a long-lived child (a tmux server, a PostgreSQL server) keeps the
    /// descriptors that concurrently running tests had open when it started, among them
    /// the write ends of pipes whose readers then never see their end.
    public static func closeFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) {
        _ = addCloseFrom?(&actions, lowest)
    }

    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
