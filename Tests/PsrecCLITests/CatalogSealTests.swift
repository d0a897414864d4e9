import Foundation
import Testing
import PsrecFormat
import PsrecTestSupport

/// The catalog and seals (issue 15 §1): the verdict stored at import, `search --seal`,
/// `psrec key trust|trusted|distrust`, and `verify --db` checking stored recordings again;
/// on both engines.
@Suite struct CatalogSealTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgresql
        var testDescription: String { rawValue }
    }

    /// A catalog for `engine`: a file in `dir`, or a new database of the test run's server.
    static func catalog(_ engine: Engine, in dir: URL) throws -> String {
        switch engine {
        case .sqlite: return dir.appendingPathComponent("catalog.db").path
        case .postgresql:
            let server = try #require(PostgresServer.shared, "\(PostgresServer.failure ?? "")")
            return try server.makeDatabase()
        }
    }

    @Test("import stores each recording's seal verdict; search --seal finds sealed (trusted key), untrusted, unsealed and failed ones; trusting or distrusting a key applies at once; verify --db checks the stored bytes again and fails on an altered recording",
          arguments: Engine.allCases)
    func sealsInTheCatalog(engine: Engine) throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = try Self.catalog(engine, in: dir)
        let key = dir.appendingPathComponent("gw-1.key").path
        #expect(try CLI.run(["key", "generate", "--id", "gw-1", key]).status == 0)
        let input = try SealCommandTests.asciicast(in: dir)
        let sealed = dir.appendingPathComponent("sealed.psrec").path
        #expect(try CLI.run(["convert", input, "-o", sealed, "--sign-key", key, "--seal-interval", "2", "--chunk-interval", "1s", "--compression", "none"]).status == 0)
        let plain = dir.appendingPathComponent("plain.psrec").path
        #expect(try CLI.run(["convert", input, "-o", plain]).status == 0)
        // Another recording sealed alike (its own ID), then altered.
        let second = dir.appendingPathComponent("second.psrec").path
        #expect(try CLI.run(["convert", input, "-o", second, "--sign-key", key, "--seal-interval", "2", "--chunk-interval", "1s", "--compression", "none"]).status == 0)
        let altered = dir.appendingPathComponent("altered.psrec").path
        let changedChunk = try SealCommandTests.alter(second, to: altered)
        #expect(try CLI.run(["verify", altered]).status == 2, "the altered copy reads as complete but fails its seals")
        // Three recordings, one ID each (convert gives each output a new one).
        for file in [sealed, plain, altered] {
            let imported = try CLI.run(["import", "--db", db, file])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        func found(_ state: String) throws -> [String] {
            let result = try CLI.run(["search", "--db", db, "--seal", state, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return result.text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seal"] as? String
            }
        }
        #expect(try found("untrusted") == ["untrusted"], "the sealed recording, its key not trusted yet")
        #expect(try found("unsealed") == ["unsealed"])
        #expect(try found("failed") == ["failed"])
        #expect(try found("sealed").isEmpty)
        #expect(try CLI.run(["search", "--db", db, "--seal", "signed"]).status == 64)

        let trusted = try CLI.run(["key", "trust", "--db", db, key + ".pub"])
        #expect(trusted.status == 0 && trusted.stderr.contains("Trusted gw-1 (key sha256:"), "\(trusted.stderr)")
        #expect(try CLI.run(["key", "trust", "--db", db, key + ".pub"]).stderr.contains("Already trusted"))
        #expect(try found("sealed") == ["sealed"])
        #expect(try found("untrusted").isEmpty)
        let listed = try CLI.run(["key", "trusted", "--db", db])
        #expect(listed.text.hasPrefix("gw-1 sha256:"), "\(listed.text)")
        #expect(try CLI.run(["key", "trust", "--db", db, input]).status == 3, "not a key file")

        // verify --db: the stored bytes checked again, the altered recording fails (exit 2).
        let verified = try CLI.run(["verify", "--db", db])
        #expect(verified.status == 2, "\(verified.text)\(verified.stderr)")
        #expect(verified.text.contains("seal: sealed from 0:00:00 to 0:00:11 by gw-1 (key sha256:") && verified.text.contains("trusted by the catalog"), "\(verified.text)")
        #expect(verified.text.contains("seal: altered: chunk \(changedChunk) changed after the seal"), "\(verified.text)")
        #expect(verified.stderr.contains("1 failing their seals"), "\(verified.stderr)")

        let fingerprint = String(try #require(listed.text.split(separator: " ").dropFirst().first))
        #expect(try CLI.run(["key", "distrust", "--db", db, fingerprint]).status == 0)
        #expect(try found("sealed").isEmpty)
        #expect(try found("untrusted") == ["untrusted"])
        #expect(try CLI.run(["key", "distrust", "--db", db, fingerprint]).status == 3, "no longer trusted")
        #expect(try CLI.run(["key", "distrust", "--db", db, "sha256:00"]).status == 3)
    }
}
