import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import PsrecTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Who the audit log says acted, and what a user without rights can learn from look-ups.
@Suite("Catalog identities and look-ups")
struct CatalogIdentityTests {
    static var realLogin: String {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "uid=\(getuid())" }
        return String(cString: name)
    }

    @Test("an administrator's audit actor is the real user ID's name, whatever $USER and $LOGNAME say")
    func actorFromRealUID() throws {
        let ws = try Workspace()
        try write(try recordingBytes(), to: ws.path("a.psrec"))
        let spoofed = ["USER": "mallory", "LOGNAME": "mallory"]
        #expect(try MeasuredRun.run(["import", "--db", ws.dbPath, ws.path("a.psrec")], environment: spoofed).status == 0)
        #expect(try MeasuredRun.run(["app", "add", "--db", ws.dbPath, "vault"], environment: spoofed).status == 0)
        #expect(try MeasuredRun.run(["grant", "--db", ws.dbPath, "pete", "audit", "--app", "vault"], environment: spoofed).status == 0)
        let actors = try CLI.sqlite(ws.dbPath, "SELECT DISTINCT actor FROM audit_log ORDER BY actor")
        #expect(actors == "admin:\(Self.realLogin)\n")
    }

    static let badNames: [(String, String)] = [
        ("", "an empty name"),
        ("admin:root", "a reserved prefix"),
        ("Admin:root", "a reserved prefix in another case"),
        ("al\u{1B}[2Jice", "an escape sequence"),
        ("bob\u{202E}", "a bidirectional override"),
        ("eve\u{200B}", "a zero-width space"),
        ("line\nbreak", "a newline"),
        (" alice", "a leading space"),
        (String(repeating: "x", count: Principal.maxUserNameCharacters + 1), "a name too long"),
    ]

    @Test("--as and granted user names are checked: a bad one is a usage error (64) and nothing is logged")
    func badNamesAreUsageErrors() throws {
        let ws = try Workspace()
        // A recording whose user and owner are empty: `--as ""` used to see it.
        try write(try recordingBytes(user: "", owner: ""), to: ws.path("a.psrec"))
        try write(try recordingBytes(user: "alice"), to: ws.path("b.psrec"))
        #expect(try CLI.run(["import", "--db", ws.dbPath, ws.path("a.psrec"), ws.path("b.psrec")]).status == 0)
        let id = try CLI.sqlite(ws.dbPath, "SELECT uuid FROM recordings WHERE user = 'alice'").trimmingCharacters(in: .newlines)
        let before = try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM audit_log")
        for (name, what) in Self.badNames {
            for command in [["search", "--db", ws.dbPath, "--as", name], ["info", "--db", ws.dbPath, "--as", name, id],
                            ["verify", "--db", ws.dbPath, "--as", name], ["export", "--db", ws.dbPath, "--as", name, id, "-o", ws.path("x.psrec")],
                            ["stats", "--db", ws.dbPath, "--as", name], ["grant", "--db", ws.dbPath, name, "audit", "--app", "db-prod"]] {
                let result = try CLI.run(command)
                #expect(result.status == 64, "\(what): \(command[0])")
                #expect(result.stdout.isEmpty, "\(what): \(command[0])")
                #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{202E}"), "\(what): \(command[0])")
            }
        }
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM audit_log") == before)
        #expect(!FileManager.default.fileExists(atPath: ws.path("x.psrec")))
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--as", ""]).stderr.contains("an empty name is not one"))
        #expect(try CLI.run(["search", "--db", ws.dbPath, "--as", "admin:root"]).stderr.contains("reserved"))
    }

    @Test("the library checks names the same way", arguments: badNames.map(\.0))
    func libraryCheck(name: String) throws {
        #expect(throws: CatalogError(.invalidUserName, "")) { try Principal.user(name) }
    }

    @Test("ordinary directory names are accepted", arguments: ["alice", "first.last@example.com", "DOMAIN\\bob", "josé", "李雷", "o'brien"])
    func goodNames(name: String) throws {
        #expect(try Principal.user(name).user == name)
    }

    /// Three recordings whose IDs share prefixes: two of alice's (db-prod) and one of bob's (crm).
    static func probeSetUp() throws -> (Workspace, alice: String, bob: String) {
        let ws = try Workspace()
        let alice = UUID(uuidString: "ABCD0000-0000-4000-8000-000000000001")!
        let alice2 = UUID(uuidString: "12340000-0000-4000-8000-000000000003")!
        let bob = UUID(uuidString: "ABCD0000-0000-4000-8000-000000000002")!
        try write(try recordingBytes(user: "alice", application: "db-prod", id: alice), to: ws.path("a.psrec"))
        try write(try recordingBytes(user: "alice", application: "db-prod", id: alice2), to: ws.path("c.psrec"))
        try write(try recordingBytes(user: "bob", application: "crm-secret", id: bob), to: ws.path("b.psrec"))
        #expect(try CLI.run(["import", "--db", ws.dbPath, ws.path("a.psrec"), ws.path("b.psrec"), ws.path("c.psrec")]).status == 0)
        return (ws, alice.uuidString.lowercased(), bob.uuidString.lowercased())
    }

    @Test("a look-up matching only recordings the user may not see fails exactly like one matching nothing, and is audited")
    func refusedLookupLooksNotFound() throws {
        let (ws, alice, bob) = try Self.probeSetUp()
        func run(_ command: String, _ id: String, as user: String = "mallory") throws -> CLI.Result {
            var arguments = [command, "--db", ws.dbPath, "--as", user, id]
            if command == "export" { arguments += ["-o", ws.path("x.psrec")] }
            return try CLI.run(arguments)
        }
        for command in ["info", "cat", "events", "export", "verify", "delete", "legal-hold"] {
            let nothing = try run(command, "99999999")
            let one = try run(command, bob)          // one match, hidden
            let several = try run(command, "abcd")   // two matches, both hidden
            #expect(nothing.status == 3, "\(command)")
            for (result, id) in [(one, bob), (several, "abcd")] {
                #expect(result.status == nothing.status, "\(command) \(id)")
                #expect(result.stdout.isEmpty)
                #expect(result.stderr == nothing.stderr.replacingOccurrences(of: "99999999", with: id), "\(command): \(result.stderr)")
                #expect(!result.stderr.contains("crm-secret"), "\(command)")
            }
            #expect(!several.stderr.contains(bob) && !several.stderr.contains(alice), "\(command)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.path("x.psrec")))
        // Every one of those look-ups is in the audit log, with what it matched.
        let rows = try CLI.sqlite(ws.dbPath, "SELECT coalesce(recording_uuid, '-') || ' ' || detail FROM audit_log WHERE actor = 'mallory' AND action = 'refused' ORDER BY id")
            .split(separator: "\n")
        #expect(rows.count == 7 * 3)
        #expect(rows.filter { $0.hasPrefix("- look-up of ID 99999999: matched no recording") }.count == 7)
        #expect(rows.filter { $0.hasPrefix("\(bob) look-up of ID \(bob): matched recording \(bob)") }.count == 7)
        #expect(rows.filter { $0.hasPrefix("- look-up of ID abcd: matched 2 recordings") }.count == 7)
        #expect(try CLI.sqlite(ws.dbPath, "SELECT count(*) FROM recordings") == "3\n")
    }

    @Test("a prefix shared with a recording the user may not see resolves to the one they may see")
    func visiblePrefixResolves() throws {
        let (ws, alice, _) = try Self.probeSetUp()
        let info = try CLI.run(["info", "--db", ws.dbPath, "--as", "alice", "abcd"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.text.contains(alice))
        // An administrator still sees both and is told to give more digits.
        let admin = try CLI.run(["info", "--db", ws.dbPath, "abcd"])
        #expect(admin.status == 3)
        #expect(admin.stderr.contains("More than one recording"))
        // Visible to alice, but not hers to delete: the refusal may name it.
        let delete = try CLI.run(["delete", "--db", ws.dbPath, "--as", "alice", "abcd"])
        #expect(delete.status == 77)
    }
}
