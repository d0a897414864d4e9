import Foundation
import PsrecCatalog
import PsrecFormat
import PsrecInterop
@testable import PsrecWeb

/// Terminal recordings made for the player's tests: output that works the emulator
/// (colours, cursor moves, the alternate screen, wrapping, erasing), with escape sequences
/// and UTF-8 characters split across events, idle gaps, and resizes when asked.
enum TerminalFixtures {
    /// Deterministic session events, in time order.
    static func sessionEvents(count: Int, resizes: Bool = false, gapEvery: Int = 50) -> [(Int64, Event)] {
        var events: [(Int64, Event)] = []
        var t: Int64 = 0
        func out(_ text: String) { events.append((t, .output(Array(text.utf8)))) }
        for i in 0..<count {
            t += i % gapEvery == gapEvery - 1 ? 12_000_000 : 150_000
            switch i % 9 {
            case 0: out("\u{1B}[1;3\(i % 8)mline \(i) in colour\u{1B}[0m\r\n")
            case 1: out("\u{1B}[\(i % 20 + 1);\(i % 50 + 1)Hcursor \(i)")
            case 2:
                // An SGR sequence cut in two events at one time, then at the next.
                out("text \(i) \u{1B}[3")
                t += 1000
                out("2mgreen \(i)\u{1B}[0m\r\n")
            case 3:
                // A UTF-8 character cut in two events.
                events.append((t, .output(Array("caf".utf8) + [0xC3])))
                t += 1000
                events.append((t, .output([0xA9] + Array(" \(i) naïve 日本\r\n".utf8))))
            case 4: out(i % 18 == 4 ? "\u{1B}[?1049h\u{1B}[H\u{1B}[2Jfull screen \(i)\u{1B}[5;5H\u{1B}[7mstatus\u{1B}[0m" : "\u{1B}[?1049lback \(i)\r\n")
            case 5: out(String(repeating: "w\(i % 10)", count: 70) + "\r\n")
            case 6: out("\u{1B}[2K\r$ ls -l /srv/\(i)\r\n-rw-r--r-- 1 root root \(i * 37) file\(i)\r\n")
            case 7: out("\u{1B}[44m\u{1B}[K\u{1B}[0m\u{1B}[3;10r\u{1B}[10;1H scrolled \(i)\n\u{1B}[r")
            default: out("\u{1B}[\(i % 3)J\u{1B}[H\(i)\r\n")
            }
            if resizes && i % 40 == 39 {
                t += 2000
                events.append((t, .resize(cols: 50 + i % 37, rows: 15 + i % 13)))
            }
        }
        return events
    }

    /// A recording of `events` (file bytes), in small chunks so that it has many.
    static func recording(_ events: [(Int64, Event)], id: UUID = UUID(), columns: Int = 80, rows: Int = 24, user: String = "alice",
                          application: String = "db-prod", chunkBytes: Int = 2048, indexEveryChunks: Int = 8) throws -> [UInt8] {
        let sink = MemorySink()
        var meta = RecordingMetadata(recordingID: id, sessionProtocol: .ssh, startUnixMicros: 1_700_000_000_000_000, user: user,
                                     application: application, host: "web1", owner: user)
        meta.terminal = RecordingMetadata.Terminal(cols: columns, rows: rows)
        var options = WriterOptions(codec: .zstd)
        options.maxChunkBytes = chunkBytes
        options.indexEveryChunks = indexEveryChunks
        let writer = try RecordingWriter(sink: sink, metadata: meta, options: options)
        for (t, event) in events { try writer.append(event, atMicros: t) }
        try writer.close()
        return sink.bytes
    }

    static func reader(_ bytes: [UInt8]) throws -> RecordingReader {
        try RecordingReader(source: MemorySource(bytes))
    }

    /// A fresh screen with `segment`'s snapshot drawn, then its events through `micros`.
    static func screen(of segment: TerminalSegment, through micros: Int64 = .max) -> TerminalScreen {
        let screen = TerminalScreen(columns: segment.columns, rows: segment.rows, maxScrollbackLines: 0)
        screen.feed(Array(Data(base64Encoded: segment.snapshot)!))
        draw(segment, on: screen, through: micros)
        return screen
    }

    /// Draws `segment`'s events from `after` (excluded) through `micros` on `screen`, as the
    /// page's script does.
    static func draw(_ segment: TerminalSegment, on screen: TerminalScreen, after: Int64 = .min, through micros: Int64 = .max) {
        let data = Array(Data(base64Encoded: segment.data)!)
        var offset = 0
        for event in segment.events {
            if event.count == 2 {
                let bytes = data[offset..<(offset + Int(event[1]))]
                offset += Int(event[1])
                if event[0] > after && event[0] <= micros { screen.feed(bytes) }
            } else if event[0] > after && event[0] <= micros {
                screen.resize(columns: Int(event[1]), rows: Int(event[2]))
            }
        }
    }

    /// The file cut as a capture host streams it: the head, then each chunk, then the trailer.
    static func streamed(_ bytes: [UInt8]) -> (head: [UInt8], chunks: [(offset: Int64, bytes: [UInt8])], trailer: [UInt8]) {
        func le32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let metaEnd = FileHeader.size + ChunkHeader.size + le32(FileHeader.size + 12)
        var chunks: [(Int64, [UInt8])] = []
        var offset = metaEnd
        while offset < bytes.count - Trailer.size {
            let end = offset + ChunkHeader.size + le32(offset + 12)
            chunks.append((Int64(offset), Array(bytes[offset..<end])))
            offset = end
        }
        return (Array(bytes[0..<metaEnd]), chunks, Array(bytes[(bytes.count - Trailer.size)...]))
    }
}

extension WebTestServer {
    /// Imports recording bytes made by `TerminalFixtures.recording` and returns the catalog's
    /// record of it.
    @discardableResult
    func importTerminal(_ bytes: [UInt8]) throws -> CatalogRecording {
        let path = dir.appendingPathComponent("\(UUID()).psrec").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        _ = try catalog.importRecording(path: path, actor: "test")
        let id = try TerminalFixtures.reader(bytes).metadata!.recordingID.uuidString.lowercased()
        return try catalog.recording(id)
    }

    /// The JSON body of an answer, as a dictionary.
    static func json(_ answer: HTTPAnswer) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(answer.body.prefix(200))")
        }
        return object
    }
}
