import Foundation
import GRDB
@testable import PsrecCatalog
import PsrecFormat
import PsrecInterop
import Testing

@Suite("Catalog import", .serialized)
struct CatalogImportTests {
    @Test("real asciinema and ttyrec recordings import, read back and export byte for byte",
          .enabled(if: Recorders.asciinema != nil && Recorders.ttyrec != nil, "asciinema, ttyrec and script are needed"))
    func realRecordings() throws {
        let ws = try Workspace()
        let a = try Recorders.asciinemaRecording("printf 'needle-in-asciinema \\033[1;31mred\\033[0m\\n'; ls --color=always /usr/share | head -50",
                                                 in: ws.directory, name: "a", options: ConversionOptions(user: "alice", application: "db-prod", host: "web1"))
        let t = try Recorders.ttyrecRecording("printf 'needle-in-ttyrec\\n'; seq 1 2000",
                                              in: ws.directory, name: "t", options: ConversionOptions(user: "bob", application: "jump", host: "bastion"))
        let catalog = try ws.catalog()
        for path in [a, t] {
            let outcome = try catalog.importRecording(path: path, actor: "test")
            #expect(outcome.kind == .added)
            let recording = try catalog.recording(try #require(outcome.recordingID))
            #expect(try exported(catalog, recording) == readFile(path))
            #expect(recording.fileBytes == Int64(try readFile(path).count))
            // The stored content reads like the file.
            let fromFile = try RecordingReader(path: path)
            let fromCatalog = try RecordingReader(source: try catalog.content(of: recording))
            #expect(fromCatalog.status == .complete)
            #expect(Array(fromCatalog.events()).count == Array(fromFile.events()).count)
            #expect(Validator.verify(try catalog.content(of: recording)).status == .complete)
        }
        var query = RecordingQuery()
        query.text = "needle-in-ttyrec"
        #expect(try catalog.search(query, as: admin).map(\.user) == ["bob"])
        query.text = "needle in asciinema red"
        #expect(try catalog.search(query, as: admin).map(\.user) == ["alice"])
        // The escape sequences around "red" are not in the text.
        query.text = "31m"
        #expect(try catalog.search(query, as: admin).isEmpty)
    }

    @Test("importing the same file twice adds nothing", arguments: Engine.allCases)
    func idempotent(engine: Engine) throws {
        let ws = try Workspace(engine)
        try write(try recordingBytes(indicators: [.marker("m1"), .command("ls")]), to: ws.path("r.psrec"))
        let catalog = try ws.catalog()
        #expect(try catalog.importRecording(path: ws.path("r.psrec"), actor: "t").kind == .added)
        #expect(try catalog.importRecording(path: ws.path("r.psrec"), actor: "t").kind == .unchanged)
        let counts = try catalog.read { db in
            try [Int.fetchOne(db, sql: "SELECT count(*) FROM recordings")!, Int.fetchOne(db, sql: "SELECT count(*) FROM indicators")!,
                 Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text")!]
        }
        #expect(counts[0] == 1)
        #expect(counts[1] == 2)
        #expect(counts[2] == 1)
    }

    @Test("a longer copy of a truncated recording extends it; a shorter copy changes nothing")
    func extend() throws {
        let ws = try Workspace()
        let full = try recordingBytes(seconds: 40, codec: .none)
        let reader = try RecordingReader(source: MemorySource(full))
        // Cut inside the 20th events chunk: a truncated file with a torn tail.
        let cut = Int(reader.entries[20].offset) + 30
        try write(Array(full.prefix(cut)), to: ws.path("part.psrec"))
        try write(full, to: ws.path("full.psrec"))
        let catalog = try ws.catalog()
        let first = try catalog.importRecording(path: ws.path("part.psrec"), actor: "t")
        #expect(first.kind == .added)
        #expect(first.verdict == .truncated)
        let id = try #require(first.recordingID)
        #expect(try exported(catalog, try catalog.recording(id)) == Array(full.prefix(cut)))
        #expect(try catalog.recording(id).status == .truncated)

        #expect(try catalog.importRecording(path: ws.path("full.psrec"), actor: "t").kind == .extended)
        let recording = try catalog.recording(id)
        #expect(recording.status == .complete)
        #expect(try exported(catalog, recording) == full)
        #expect(recording.durationMicros == reader.durationMicros)
        let (matches, rows) = try catalog.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text_fts WHERE terminal_text_fts MATCH 'session'"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM terminal_text"))
        }
        #expect(matches == rows)
        var query = RecordingQuery()
        query.text = "line 39 of the session"
        #expect(try catalog.search(query, as: admin).count == 1)
        #expect(try catalog.importRecording(path: ws.path("part.psrec"), actor: "t").kind == .unchanged)
        #expect(try exported(catalog, try catalog.recording(id)) == full)
    }

    @Test("the same ID with other content is refused and reported", arguments: Engine.allCases)
    func conflict(engine: Engine) throws {
        let ws = try Workspace(engine)
        let id = UUID()
        try write(try recordingBytes(id: id, outputs: ["one"]), to: ws.path("a.psrec"))
        try write(try recordingBytes(id: id, outputs: ["two"]), to: ws.path("b.psrec"))
        let catalog = try ws.catalog()
        #expect(try catalog.importRecording(path: ws.path("a.psrec"), actor: "t").kind == .added)
        let second = try catalog.importRecording(path: ws.path("b.psrec"), actor: "t")
        #expect(second.kind == .skipped)
        #expect(second.reason?.contains("different content") == true)
        #expect(try exported(catalog, try catalog.recording(id.uuidString)) == readFile(ws.path("a.psrec")))
    }

    @Test("corrupt and invalid files are skipped with a reason, and leave nothing behind", arguments: Engine.allCases)
    func skipped(engine: Engine) throws {
        let ws = try Workspace(engine)
        var bytes = try recordingBytes(seconds: 10, codec: .none)
        let reader = try RecordingReader(source: MemorySource(bytes))
        bytes[Int(reader.entries[3].offset) + 60] ^= 0xFF   // a payload byte: its CRC fails
        try write(bytes, to: ws.path("corrupt.psrec"))
        try write(Array("not a recording at all".utf8), to: ws.path("text.psrec"))
        let catalog = try ws.catalog()
        let corrupt = try catalog.importRecording(path: ws.path("corrupt.psrec"), actor: "t")
        #expect(corrupt.kind == .skipped)
        #expect(corrupt.verdict == .corrupt)
        #expect(corrupt.reason?.contains("corrupt") == true)
        let invalid = try catalog.importRecording(path: ws.path("text.psrec"), actor: "t")
        #expect(invalid.kind == .skipped)
        #expect(invalid.verdict == .invalid)
        let missing = try catalog.importRecording(path: ws.path("missing.psrec"), actor: "t")
        #expect(missing.kind == .skipped)
        #expect(try catalog.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chunks") } == 0)
    }

    @Test("metadata columns, indicators and auditors are stored", arguments: Engine.allCases)
    func columns(engine: Engine) throws {
        let ws = try Workspace(engine)
        let id = UUID()
        try write(try recordingBytes(user: "carol", application: "crm", host: "h9", sessionProtocol: .rdp, id: id, owner: "dave", auditors: ["erin"],
                                     indicators: [.click(x: 10, y: 20, button: 1), .marker("start")]), to: ws.path("r.psrec"))
        let catalog = try ws.catalog()
        _ = try catalog.importRecording(path: ws.path("r.psrec"), actor: "t")
        let r = try catalog.recording(String(id.uuidString.prefix(8)))
        #expect(r.uuid == id.uuidString.lowercased())
        #expect(r.sessionProtocol == "rdp")
        #expect(r.owner == "dave")
        #expect(r.indicatorCount == 2)
        let kinds = try catalog.read { db in try String.fetchAll(db, sql: "SELECT kind FROM indicators ORDER BY time_us") }
        #expect(kinds == ["click", "marker"])
        let auditors = try catalog.read { db in try String.fetchAll(db, sql: "SELECT user FROM recording_auditors") }
        #expect(auditors == ["erin"])
        #expect(try catalog.application("crm")?.sessionProtocol == "rdp")
    }
}
