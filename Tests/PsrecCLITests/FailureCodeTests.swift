import Foundation
import Testing
import PsrecTestSupport
@testable import PsrecCLI
import PsrecCapture
import PsrecCatalog
import PsrecFormat

/// The libraries say what is wrong; the CLI's one table says which status and which flag.
@Suite("failures: every library code has its status, and no library message names a flag")
struct FailureCodeTests {
    /// The intended status of every catalog code, written out so that a new or moved code
    /// is a decision, not a default.
    static let catalogStatus: [CatalogError.Code: Int32] = [
        .catalogMissing: 3, .cannotOpen: 3, .notFound: 3, .applicationNotFound: 3, .applicationExists: 64,
        .ambiguous: 3, .refused: 77, .invalidUserName: 64, .invalidRecordingID: 64, .unknownProtocol: 64,
        .unknownColumn: 64, .emptyTextSearch: 64, .managePerRecording: 64, .conflict: 3, .unimportable: 3,
        .legalHold: 3, .busy: 3, .database: 3, .storageFull: 3, .hostNotFound: 3, .hostExists: 64,
        .invalidHostName: 64, .ingestNotYours: 77, .ingestOutOfOrder: 3, .ingestComplete: 3, .ingestBadChunk: 3,
        .userNotFound: 3, .userExists: 64, .leaseHeld: 3,
    ]

    @Test("every catalog code maps to its intended exit status and makes one sentence", arguments: CatalogError.Code.allCases)
    func catalogCode(code: CatalogError.Code) throws {
        let failure = try #require(FailureTable.failure(for: CatalogError(code, "Something about the catalog x.")))
        #expect(failure.status == Self.catalogStatus[code], "\(code)")
        #expect(failure.message.hasSuffix(".") && !failure.message.hasSuffix(".."), "\(failure.message)")
        #expect(failure.message.filter { $0 == "." }.count == 1, "\(failure.message)")
    }

    @Test("the advice that names flags is the table's: a missing catalog, a hold, manage per recording")
    func catalogAdvice() {
        #expect(FailureTable.failure(for: CatalogError(.legalHold, "Recording r is under legal hold and was not deleted."))?.message
            == "Recording r is under legal hold and was not deleted; `psrec legal-hold --release` ends the hold.")
        #expect(FailureTable.failure(for: CatalogError(.managePerRecording, "m."))?.message.contains("--app") == true)
        #expect(FailureTable.failure(for: CatalogError(.catalogMissing, "m."))?.message.contains("psrec import --db") == true)
    }

    @Test("every capture code is exit 3; the account advice names --run-as and --run-as-sudo-user", arguments: CaptureError.Code.allCases)
    func captureCode(code: CaptureError.Code) throws {
        let failure = try #require(FailureTable.failure(for: CaptureError(code, "Something about an account.")))
        #expect(failure.status == 3)
        #expect(failure.message.hasSuffix(".") && !failure.message.hasSuffix(".."))
        switch code {
        case .noSuchAccount: #expect(failure.message.contains("--run-as needs"))
        case .notStartedThroughSudo: #expect(failure.message.contains("--run-as-sudo-user"))
        case .cannotSwitchAccount: #expect(!failure.message.contains("--"))
        }
    }

    @Test("the capture library's own messages name no flag")
    func captureMessages() {
        #expect(throws: CaptureError(.noSuchAccount, "")) { try SessionAccount("psrec-no-such-user-\(ProcessInfo.processInfo.processIdentifier)") }
        do {
            _ = try SessionAccount("psrec-no-such-user-\(ProcessInfo.processInfo.processIdentifier)")
        } catch {
            #expect(!error.message.contains("--"), "\(error.message)")
        }
        do {
            _ = try SessionAccount.sudoInvoker(environment: [:])
            Issue.record("no SUDO_UID was accepted")
        } catch {
            #expect(error.code == .notStartedThroughSudo)
            #expect(!error.message.contains("--"), "\(error.message)")
        }
    }

    /// String literals on the code lines (not comments) of every library target.
    static func libraryLiterals() throws -> [(file: String, line: Int, literal: String)] {
        let sources = CLI.packageRoot.appendingPathComponent("Sources")
        let libraries = try FileManager.default.contentsOfDirectory(atPath: sources.path)
            .filter { $0.hasPrefix("Psrec") && !["PsrecCLI", "PsrecNetCLI", "PsrecFuzzExercises"].contains($0) }
        #expect(libraries.contains("PsrecCatalog") && libraries.contains("PsrecCapture"))
        let literal = try Regex(#""(?:[^"\\]|\\.)*""#)
        var found: [(String, Int, String)] = []
        for library in libraries {
            let folder = sources.appendingPathComponent(library)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".swift") {
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    if line.drop(while: \.isWhitespace).hasPrefix("//") { continue }
                    for match in line.matches(of: literal) { found.append(("\(library)/\(name)", n + 1, String(line[match.range]))) }
                }
            }
        }
        return found
    }

    @Test("no message in a library names a command-line flag or a psrec command: the advice is the CLI's")
    func noFlagsInLibraries() throws {
        let flag = try Regex("--[a-z]")
        let literals = try Self.libraryLiterals()
        #expect(literals.count > 200)
        for (file, line, text) in literals {
            #expect(text.firstMatch(of: flag) == nil && !text.contains("`psrec "), "\(file):\(line): \(text)")
        }
    }

    @Test("a message that embeds another ending in a full stop ends in one full stop")
    func oneFullStop() {
        #expect(CatalogError(.cannotOpen, "The catalog x cannot be opened: \(CatalogError.clause("disk I/O error. ")).").message
            == "The catalog x cannot be opened: disk I/O error.")
        #expect(CatalogError(.database, "a: b..").message == "a: b.")
        #expect(FailureTable.clause("The catalog x does not exist.") == "The catalog x does not exist")
    }

    @Test("record with a missing catalog: one sentence, one full stop, exit 3, and what creates the catalog")
    func recordMissingCatalog() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("none.db").path
        let result = try CLI.run(["record", "--db", db, "--app", "crm", "-o", dir.appendingPathComponent("r.psrec").path, "--", "true"])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr == "psrec: The catalog \(db) does not exist; `psrec import --db` with this path creates it.\n")
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
