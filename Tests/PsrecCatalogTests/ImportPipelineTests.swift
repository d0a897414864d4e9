import Foundation
import GRDB
import PsrecCatalog
import PsrecFormat
import Testing

/// `Catalog.verifyForImport` then `store`: the two halves of an import, which `psrec import`
/// runs on two threads, one file apart.
@Suite("Import pipeline", .serialized)
struct ImportPipelineTests {
    @Test("verified files stored later, in order, give what importRecording gives")
    func sameAsImport() throws {
        let ws = try Workspace()
        for name in ["a", "b", "c"] { try write(try recordingBytes(user: name, outputs: ["needle \(name)"]), to: ws.path(name)) }
        try write(Array("not a recording".utf8), to: ws.path("d"))
        let verified = ["a", "b", "c", "d"].map { Catalog.verifyForImport(path: ws.path($0), deferText: $0 == "b") }
        let c = try ws.catalog()
        let outcomes = try verified.map { try c.store($0, actor: "t") }
        #expect(outcomes.map(\.kind) == [.added, .added, .added, .skipped])
        #expect(outcomes[3].verdict == .invalid)
        #expect(try c.textPendingRecordings().map(\.user) == ["b"])
        for name in ["a", "b", "c"] {
            #expect(try exported(c, try c.recording(try #require(outcomes[["a", "b", "c"].firstIndex(of: name)!].recordingID))) == readFile(ws.path(name)))
        }
        #expect(try c.store(Catalog.verifyForImport(path: ws.path("a")), actor: "t").kind == .unchanged)
    }

    @Test("a file that shrinks between verification and storing is not imported, and leaves nothing")
    func changedAfterVerification() throws {
        let ws = try Workspace()
        let bytes = try recordingBytes(seconds: 20, codec: .none)
        try write(bytes, to: ws.path("r"))
        let verified = Catalog.verifyForImport(path: ws.path("r"))
        try write(Array(bytes.prefix(bytes.count / 2)), to: ws.path("r"))
        let c = try ws.catalog()
        let outcome = try c.store(verified, actor: "t")
        #expect(outcome.kind == .skipped)
        #expect(outcome.reason?.contains("changed while it was being imported") == true)
        #expect(try c.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM recordings") } == 0)
        #expect(try c.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") } == 0)
    }
}
