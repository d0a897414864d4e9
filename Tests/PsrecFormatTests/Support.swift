import Foundation
import PsrecTestSupport
@testable import PsrecFormat

/// Builders shared by the format tests.
enum Sample {
    static let fixedID = UUID(uuidString: "6F1B1A52-0C2E-4D1A-9E55-3C2B8D0A7F10")!

    static func metadata(_ proto: RecordingMetadata.SessionProtocol = .ssh) -> RecordingMetadata {
        RecordingMetadata(recordingID: fixedID, sessionProtocol: proto, startUnixMicros: 1_764_000_000_000_000,
                          user: "alice", application: "db-prod", host: "gw1", remoteAddress: "192.0.2.7",
                          terminal: proto == .ssh ? .init(cols: 80, rows: 24, type: "xterm-256color") : nil,
                          screen: proto == .rdp ? .init(width: 16, height: 8) : nil,
                          captureTool: "psrec-tests", captureToolVersion: "1", owner: "alice",
                          auditors: ["sec-officer"], extra: ["ticket": "CHG-42"])
    }

    /// The fixed sealing key of the test suite and of the sealed vectors: seed bytes 0, 1, … 31.
    static let sealingKey = try! SealingKey(seed: (0..<32).map { UInt8($0) }, id: "test-key")
    /// A second key, for a recording re-signed or a seal made by someone else.
    static let otherKey = try! SealingKey(seed: (0..<32).map { UInt8(0xA0 + $0) }, id: "other-key")

    static func options(_ codec: Codec = .zstd, salt: UInt64 = 0x5EED_5A17_0000_0001) -> WriterOptions {
        var o = WriterOptions(codec: codec)
        o.salt = salt
        return o
    }

    /// One event of every type, at increasing times.
    static let everyEvent: [TimedEvent] = {
        let pixels = (0..<(16 * 8 * 4)).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let rect = PixelRect(x: 2, y: 1, width: 3, height: 2, pixels: (0..<(3 * 2 * 3)).map { UInt8($0) })
        let events: [Event] = [
            .resize(cols: 80, rows: 24),
            .output(Array("$ ".utf8)),
            .input(Array("ls\r".utf8)),
            .command("ls"),
            .output(Array("a.txt  b.txt\r\n\u{1B}[1;32mok\u{1B}[0m\r\n".utf8)),
            .output([0xFF, 0xFE, 0x00, 0xF5, 0x50, 0x43, 0x4B]),
            .click(x: 10, y: 5, button: 1),
            .marker("checkpoint ✓"),
            .redactedInput(count: 8),
            .gap(Gap(fromMicros: 5_000_000, toMicros: 6_000_000, fromOffset: 1000, toOffset: 2000)),
            .screenKeyframe(ScreenImage(width: 16, height: 8, format: .bgra8888, pixels: pixels)),
            .screenDelta(ScreenDelta(format: .rgb888, rects: [rect])),
            .pointerMove(x: 7, y: 3),
            .key(keysym: 0xFF0D, modifiers: 4, down: true),
            .unknown(type: 0x7E, body: [1, 2, 3]),
            .exit(-1),
        ]
        return events.enumerated().map { TimedEvent(timeMicros: Int64($0.offset) * 400_000 + 1, event: $0.element) }
    }()

    /// Writes `events` to memory and returns the file bytes.
    static func file(_ events: [TimedEvent], options: WriterOptions = options(), metadata: RecordingMetadata = metadata(), close: Bool = true) throws -> [UInt8] {
        let sink = MemorySink()
        let writer = try RecordingWriter(sink: sink, metadata: metadata, options: options)
        for e in events { try writer.append(e.event, atMicros: e.timeMicros) }
        if close { try writer.close() } else { try writer.flush() }
        return sink.bytes
    }

    /// Appends `events` and closes, stopping at the first error: how many were appended, and the error.
    static func appendAndClose(_ events: [TimedEvent], to writer: RecordingWriter) -> (appended: Int, failure: FormatError?) {
        var appended = 0
        do {
            for e in events {
                try writer.append(e.event, atMicros: e.timeMicros)
                appended += 1
            }
            try writer.close()
        } catch {
            return (appended, error)
        }
        return (appended, nil)
    }

    /// A terminal session of `seconds` seconds with output every 100 ms and a command every 10 s.
    static func longSession(seconds: Int) -> [TimedEvent] {
        var events: [TimedEvent] = []
        for tenth in 0..<(seconds * 10) {
            let t = Int64(tenth) * 100_000
            events.append(TimedEvent(timeMicros: t, event: .output(Array("line \(tenth) \(String(repeating: "x", count: tenth % 50))\r\n".utf8))))
            if tenth % 100 == 50 { events.append(TimedEvent(timeMicros: t, event: .command("cmd \(tenth)"))) }
        }
        return events
    }

    /// All output bytes of `events`, concatenated.
    static func output(of events: [TimedEvent]) -> [UInt8] {
        events.flatMap { if case .output(let b) = $0.event { b } else { [UInt8]() } }
    }

    static func output(of reader: RecordingReader) throws -> [UInt8] {
        var out: [UInt8] = []
        try reader.forEachEvent { if $0.type == .output { out.append(contentsOf: $0.body) } }
        return out
    }

    static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

extension RawFile {
    /// A file header and a META chunk of the test metadata, with META times `metaTimes`.
    init(minor: UInt8 = 1, metaTimes: Int64 = 0) throws {
        self.init(minor: minor, metaJSON: try Sample.metadata().encodedJSON(), metaTimes: metaTimes)
    }
}
