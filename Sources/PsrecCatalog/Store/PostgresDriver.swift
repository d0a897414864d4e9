import Foundation

/// A catalog in a PostgreSQL database, as the catalog's code sees it. The store itself (and
/// PostgresNIO, SwiftNIO and TLS with it) lives in the module `PsrecCatalogPostgres`, which
/// only `psrec-net` links: the `psrec` binary every other command and the recorder run
/// carries no network code, and hands a command naming a PostgreSQL catalog to `psrec-net`.
package protocol PostgresCatalogStore: CatalogStore {
    /// Runs `body` on a connection outside any transaction (for `VACUUM`, which cannot run
    /// inside one).
    func outsideTransaction<T>(_ body: (any SQLConnection) throws -> T) throws -> T
}

/// Where this process finds the PostgreSQL store, when it has one: registered once at start
/// by a program that links `PsrecCatalogPostgres` (`PostgresCatalogDriver.install()`).
package enum PostgresDriver {
    /// Opens a store: the location, how long a write waits for the catalog's lock, and
    /// whether each commit waits for the server's disk.
    package typealias Opener = @Sendable (PostgresLocation, Double, Bool) -> any PostgresCatalogStore

    private static let lock = NSLock()
    nonisolated(unsafe) private static var opener: Opener?

    package static func register(_ open: @escaping Opener) {
        lock.withLock { opener = open }
    }

    /// - Throws: `.cannotOpen` in a program built without the driver.
    static func open(_ location: PostgresLocation, lockTimeoutSeconds: Double, synchronousCommits: Bool) throws(CatalogError) -> any PostgresCatalogStore {
        guard let open = lock.withLock({ opener }) else {
            throw CatalogError(.cannotOpen, "The catalog \(location.description) is on PostgreSQL, and this program does not carry the PostgreSQL driver; psrec-net does (psrec hands such commands to it).")
        }
        return open(location, lockTimeoutSeconds, synchronousCommits)
    }
}
