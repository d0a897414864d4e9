// psrec-bench-catalog DB COUNT
//
// Fills the catalog DB (a SQLite file or a postgres:// URL) with COUNT small terminal
// recordings for the web and postgres rows of Benchmarks/run (the search page over 10 000
// recordings, search over 100 000): varied users, applications,
// hosts, start times over a year, durations, indicators and a few lines of terminal text
// each, written with the library and imported as `psrec import` does, terminal text
// included. Deterministic: recording i is the same in every run.
// Built by `swift build` (it is small), run only by Benchmarks/run.

import Foundation
import PsrecCatalog
import PsrecCatalogPostgres
import PsrecFormat

PostgresCatalogDriver.install()

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    FileHandle.standardError.write(Data("usage: psrec-bench-catalog DB COUNT\n".utf8))
    exit(64)
}
let db = arguments[1]
let users = (0..<40).map { "user\($0)" }, applications = (0..<12).map { "app-\($0)" }, hosts = (0..<30).map { "host-\($0)" }
let words = ["deploy", "restart", "payroll", "backup", "grep", "systemctl", "kubectl", "psql", "tail", "vim", "ssh", "rsync"]
let folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("psrec-bench-catalog-\(getpid())")
try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: folder) }
let catalog = try Catalog(path: db, create: true)
for application in applications where try catalog.application(application) == nil {
    try catalog.addApplication(application, sessionProtocol: .ssh, recordingEnabled: true, retentionDays: nil, by: .administrator(login: "bench"))
}
let yearStart: Int64 = 1_735_689_600_000_000  // 2025-01-01
let started = Date()
for i in 0..<count {
    if i > 0 && i % 10_000 == 0 {  // a fill of 100 000 takes minutes: show it is moving
        FileHandle.standardError.write(Data("psrec-bench-catalog: \(i) of \(count) in \(Int(Date().timeIntervalSince(started))) s\n".utf8))
    }
    var seed = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 &+ 1
    func next(_ n: Int) -> Int {
        seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17
        return Int(seed % UInt64(n))
    }
    let id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012x", i))!
    let metadata = RecordingMetadata(recordingID: id, sessionProtocol: .ssh, startUnixMicros: yearStart + Int64(next(365 * 86_400)) * 1_000_000,
                                     user: users[next(users.count)], application: applications[next(applications.count)], host: hosts[next(hosts.count)],
                                     terminal: .init(cols: 120, rows: 40))
    let sink = MemorySink()
    let writer = try RecordingWriter(sink: sink, metadata: metadata, options: WriterOptions(codec: .zstd))
    let lines = 3 + next(20)
    var t: Int64 = 0
    for _ in 0..<lines {
        t += Int64(1 + next(30)) * 1_000_000
        let command = "\(words[next(words.count)]) \(words[next(words.count)]) --id \(next(100_000))"
        try writer.append(Event.command(command), atMicros: t)
        try writer.output(Array("$ \(command)\r\noutput of \(command)\r\n".utf8), atMicros: t)
    }
    try writer.close()
    let path = folder.appendingPathComponent("\(i).psrec").path
    try Data(sink.bytes).write(to: URL(fileURLWithPath: path))
    _ = try catalog.importRecording(path: path, actor: "admin:bench")
    try FileManager.default.removeItem(atPath: path)
}
print(count)
