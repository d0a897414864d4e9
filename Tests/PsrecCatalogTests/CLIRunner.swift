import Foundation
import PsrecTestSupport
import Testing

extension CLI {
    /// Runs `sqlite3 DB SQL` and returns its output.
    static func sqlite(_ db: String, _ sql: String) throws -> String {
        let result = try Recorders.run(try #require(Recorders.sqlite3), ["-bail", db, sql])
        try #require(result.status == 0, "sqlite3 failed: \(result.output)")
        return result.output
    }
}
