import Foundation
import Testing
import PsrecTestSupport

/// Codecs, rights, protocols, statuses, session times and catalog dates are parsed once, by
/// ArgumentParser: a bad value is a usage error (64) with one readable sentence, before any
/// file or catalog is opened.
@Suite("arguments: typed values parsed once, refused with a sentence and exit 64")
struct ArgumentValueTests {
    /// A command line with a bad value, and what its message must say.
    struct Refusal: CustomStringConvertible, Sendable {
        var arguments: [String]
        var says: String
        var description: String { arguments.joined(separator: " ") }
    }

    static let db = "/nonexistent/psrec-argument-tests.db"
    static let file = "/nonexistent/psrec-argument-tests.psrec"

    static let refusals: [Refusal] = [
        Refusal(arguments: ["cat", file, "--from", "soon"], says: "'soon' is invalid for '--from <time>': it is not a session time; give seconds (90 or 1.5)"),
        Refusal(arguments: ["events", file, "--to", "1:75"], says: "it is not a session time"),
        Refusal(arguments: ["play", "--from", "later", file], says: "it is not a session time"),
        Refusal(arguments: ["render", file, "--at", "soon", "-o", "/nonexistent/x.png"], says: "it is not a session time; give seconds (90 or 1.5), m:ss (1:30), or a number with a unit (500ms, 2m, 1h), or end"),
        Refusal(arguments: ["convert", file, "-o", "/nonexistent/x.psrec", "--chunk-interval", "0"], says: "a length of zero is not one"),
        Refusal(arguments: ["repair", file, "-o", "/nonexistent/x.psrec", "--compression", "lz4"], says: "'lz4' is invalid for '--compression <codec>'. Please provide one of 'zstd', 'zlib' or 'none'."),
        Refusal(arguments: ["search", "--db", db, "--min-duration", "long"], says: "it is not a session time"),
        Refusal(arguments: ["search", "--db", db, "--from", "90"], says: "a bare number has no unit here; write 90d for 90 days ago"),
        Refusal(arguments: ["search", "--db", db, "--to", "last tuesday"], says: "it is not a date; give a date (2025-11-24)"),
        Refusal(arguments: ["search", "--db", db, "--status", "damaged"], says: "Please provide one of 'complete', 'truncated', 'live' or 'interrupted'."),
        Refusal(arguments: ["search", "--db", db, "--protocol", "telnet"], says: "Please provide one of 'ssh' and 'rdp'."),
        Refusal(arguments: ["search", "--db", db, "--indicator", "keypress"], says: "Please provide one of 'marker', 'command' or 'click'."),
        Refusal(arguments: ["app", "add", "--db", db, "vault", "--retention", "90"], says: "a bare number has no unit here; write 90d for 90 days, or none."),
        Refusal(arguments: ["app", "add", "--db", db, "vault", "--retention", "36h"], says: "a retention period is a whole number of days; give 90d, 12w or none"),
        Refusal(arguments: ["app", "add", "--db", db, "vault", "--protocol", "vnc"], says: "Please provide one of 'ssh' and 'rdp'."),
        Refusal(arguments: ["app", "set-retention", "--db", db, "crm", "365"], says: "write 365d for 365 days"),
        Refusal(arguments: ["prune", "--db", db, "--older-than", "90"], says: "a bare number has no unit here; write 90d for 90 days"),
        // Periods that do not fit in microseconds (they trapped on overflow, exit 132).
        Refusal(arguments: ["search", "--db", db, "--from", "999999999d"], says: "it is not a"),
        Refusal(arguments: ["search", "--db", db, "--to", "15250285w"], says: "it is not a"),
        Refusal(arguments: ["prune", "--db", db, "--older-than", "99999999w"], says: "it is not a period"),
        Refusal(arguments: ["app", "set-retention", "--db", db, "crm", "999999999w"], says: "it is not a retention period"),
        Refusal(arguments: ["prune", "--db", db, "--older-than", "soon"], says: "it is not a period; give a number with a unit: 30m, 12h, 90d or 12w."),
        Refusal(arguments: ["app", "set-retention", "--db", db, "crm", "soon"], says: "it is not a retention period; give a number of days or weeks (90d, 12w) or none."),
        Refusal(arguments: ["grant", "--db", db, "alice", "superuser", "--app", "crm"], says: "Please provide one of 'manage' and 'audit'."),
    ]

    @Test("a bad value is exit 64 and one sentence saying what to give", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let result = try CLI.run(refusal.arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: The value "), "\(result.stderr)")
        #expect(result.stderr.contains(refusal.says), "\(result.stderr)")
    }

    @Test("a value ArgumentParser refuses is quoted escaped, never raw on the terminal")
    func refusedValueIsEscaped() throws {
        let result = try CLI.run(["search", "--db", Self.db, "--from", "\u{1B}]0;owned\u{07}\u{202E}"])
        #expect(result.status == 64)
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{202E}") && !result.stderr.contains("\u{07}"), "\(result.stderr)")
        #expect(result.stderr.contains("\\x1b]0;owned"), "\(result.stderr)")
    }

    @Test("accepted values reach the catalog typed: weeks of retention, seconds as a bare duration, statuses, protocols, kinds")
    func accepted() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("c.db").path
        #expect(try CLI.run(["app", "add", "--db", db, "vault", "--protocol", "rdp", "--retention", "12w"]).status == 0)
        #expect(try CLI.run(["app", "add", "--db", db, "crm"]).status == 0)
        #expect(try CLI.run(["app", "set-retention", "--db", db, "crm", "90d"]).status == 0)
        let list = try CLI.run(["app", "list", "--db", db, "--json"]).text
        #expect(list.contains("\"name\":\"vault\",\"protocol\":\"rdp\",\"recording_enabled\":true,\"ingest_policy\":\"best-effort\",\"retention_days\":84"), "\(list)")
        #expect(list.contains("\"name\":\"crm\",\"protocol\":\"ssh\",\"recording_enabled\":true,\"ingest_policy\":\"best-effort\",\"retention_days\":90"), "\(list)")
        #expect(try CLI.run(["import", "--db", db, CLI.vector("terminal-zstd.psrec")]).status == 0)
        let all = try CLI.run(["search", "--db", db, "--json"])
        #expect(all.text.split(separator: "\n").count == 1)
        for filters in [["--status", "complete", "--protocol", "ssh"], ["--min-duration", "1"], ["--from", "2000-01-01", "--to", "now"]] {
            let found = try CLI.run(["search", "--db", db, "--json"] + filters)
            #expect(found.status == 0, "\(filters): \(found.stderr)")
            #expect(found.text == all.text, "\(filters)")
        }
        for filters in [["--status", "truncated"], ["--protocol", "rdp"], ["--min-duration", "86400"], ["--from", "1d"]] {
            let found = try CLI.run(["search", "--db", db, "--json"] + filters)
            #expect(found.status == 0, "\(filters): \(found.stderr)")
            #expect(found.text.isEmpty, "\(filters)")
        }
        #expect(try CLI.run(["prune", "--db", db, "--older-than", "5200w", "--dry-run"]).status == 0)
    }

    @Test("one name for the state: a corrupt file is 'corrupt' in info's JSON, in cat's note, and exits 2")
    func corruptIsOneWord() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CLI.vector("terminal-uncompressed.psrec"))))
        bytes[700] ^= 0x10
        let path = dir.appendingPathComponent("c.psrec").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let info = try CLI.run(["info", "--json", path])
        #expect(info.status == 2)
        #expect(info.text.contains("\"status\":\"corrupt\""), "\(info.text)")
        let cat = try CLI.run(["cat", path])
        #expect(cat.status == 2)
        #expect(cat.stderr.contains("is corrupt:") && !cat.stderr.contains("damaged"), "\(cat.stderr)")
        #expect(!cat.stderr.contains(".."), "\(cat.stderr)")
    }
}
