import Foundation
import PsrecTestSupport
#if canImport(Glibc)
import Glibc
#endif
import PsrecCatalog
import PsrecCatalogPostgres
import PsrecFormat
import PsrecInterop
import Testing

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-catalog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension PostgresServer {
    /// The test run's PostgreSQL server, with the PostgreSQL store installed in this process
    /// (as psrec-net installs it at start) so that `Catalog(path: url)` opens its databases.
    static var withDriver: PostgresServer? {
        PostgresCatalogDriver.install()
        return shared
    }
}

/// The catalog's engines, for suites that run against both (`@Test(arguments: Engine.allCases)`).
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    var testDescription: String { rawValue }
}

/// A workspace with a catalog path and a place for files. On PostgreSQL the catalog is a
/// new database of the test run's server (`PostgresServer`), and `dbPath` its URL.
final class Workspace {
    let directory: URL
    let engine: Engine
    let dbPath: String

    init(_ engine: Engine = .sqlite) throws {
        directory = try temporaryDirectory()
        self.engine = engine
        switch engine {
        case .sqlite:
            dbPath = directory.appendingPathComponent("catalog.db").path
        case .postgresql:
            guard let server = PostgresServer.withDriver else {
                throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "No PostgreSQL server for the tests: \(PostgresServer.failure ?? "?") (.ci/setup installs Debian's postgresql)"])
            }
            dbPath = try server.makeDatabase()
        }
    }
    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func catalog() throws -> Catalog { try Catalog(path: dbPath, create: true) }
}

let admin = Principal.administrator(login: "test")

/// Bytes of a psrec file written with the library.
func recordingBytes(user: String? = "alice", application: String? = "db-prod", host: String? = "web1",
                    sessionProtocol: RecordingMetadata.SessionProtocol = .ssh, start: Int64 = 1_700_000_000_000_000,
                    id: UUID = UUID(), owner: String? = nil, auditors: [String] = [],
                    seconds: Int = 5, outputs: [String] = [], indicators: [Event] = [], codec: Codec = .zstd) throws -> [UInt8] {
    let sink = MemorySink()
    let meta = RecordingMetadata(recordingID: id, sessionProtocol: sessionProtocol, startUnixMicros: start, user: user, application: application,
                                 host: host, owner: owner, auditors: auditors)
    let writer = try RecordingWriter(sink: sink, metadata: meta, options: WriterOptions(codec: codec))
    var t: Int64 = 0
    for second in 0..<seconds {
        t = Int64(second) * 1_000_000
        try writer.output(Array("$ line \(second) of the session\r\n".utf8), atMicros: t)
    }
    for (i, text) in outputs.enumerated() { try writer.output(Array(text.utf8), atMicros: t + Int64(i + 1) * 10_000) }
    for (i, event) in indicators.enumerated() { try writer.append(event, atMicros: t + Int64(i + 1) * 20_000) }
    try writer.close()
    return sink.bytes
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readFile(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

/// The content stored for a recording, exported into memory.
func exported(_ catalog: Catalog, _ recording: CatalogRecording) throws -> [UInt8] {
    let sink = MemorySink()
    try catalog.export(recording, into: sink)
    return sink.bytes
}

/// The real recorders on this machine (asciinema, ttyrec), run inside `script`'s terminal.
enum Recorders {
    static func path(of tool: String) -> String? { Tools.path(of: tool) }

    static let script: String? = path(of: "script")
    static let asciinema: String? = {
        guard script != nil, let path = path(of: "asciinema"), let result = try? run(path, ["--version"]), result.status == 0 else { return nil }
        return path
    }()
    static let ttyrec: String? = script != nil ? path(of: "ttyrec") : nil
    static let sqlite3: String? = path(of: "sqlite3")

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Tools.run(executable, arguments)
    }

    /// Runs a shell command line inside a pseudo-terminal of 100x30 made by `script`.
    static func inTerminal(_ command: String) throws -> (status: Int32, output: String) { try Tools.inTerminal(command) }

    /// Records `command` with asciinema and converts it to `psrec`.
    static func asciinemaRecording(_ command: String, in directory: URL, name: String, options: ConversionOptions) throws -> String {
        let cast = directory.appendingPathComponent(name + ".cast").path
        let out = directory.appendingPathComponent(name + ".psrec").path
        let result = try inTerminal("\(try #require(asciinema)) rec --overwrite -q -c \(quoted(command)) \(cast)")
        try #require(result.status == 0, "asciinema failed: \(result.output)")
        _ = try Converter.convert(inputPath: cast, outputPath: out, options: options)
        return out
    }

    /// Records `command` with ttyrec and converts it to `psrec`.
    static func ttyrecRecording(_ command: String, in directory: URL, name: String, options: ConversionOptions) throws -> String {
        let file = directory.appendingPathComponent(name + ".ttyrec").path
        let out = directory.appendingPathComponent(name + ".psrec").path
        let result = try inTerminal("\(try #require(ttyrec)) -e \(quoted(command)) \(file)")
        try #require(result.status == 0, "ttyrec failed: \(result.output)")
        _ = try Converter.convert(inputPath: file, outputPath: out, options: options)
        return out
    }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
