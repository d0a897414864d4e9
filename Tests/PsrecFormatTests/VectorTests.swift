import Foundation
import Testing
@testable import PsrecFormat

/// Checks the golden files under Spec/vectors/ (`Spec/format.md#test-vectors`).
///
/// Run with `PSREC_WRITE_VECTORS=1` to regenerate them after a deliberate format change.
@Suite struct VectorTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Spec/vectors")

    struct Vector: Sendable, CustomStringConvertible {
        let name: String
        let codec: Codec
        let proto: RecordingMetadata.SessionProtocol
        let events: [TimedEvent]
        var layout: EventLayout = .interleaved
        var indexEvery = 64
        var cutBytesFromEnd = 0
        var close = true
        /// Sealed with `Sample.sealingKey` every this many µs (format 1.2), when set.
        var sealEvery: Int64? = nil
        var description: String { name }
    }

    static let session: [TimedEvent] = {
        var t: Int64 = 0
        var list: [TimedEvent] = [TimedEvent(timeMicros: 0, event: .resize(cols: 80, rows: 24))]
        func add(_ dt: Int64, _ e: Event) { t += dt; list.append(TimedEvent(timeMicros: t, event: e)) }
        add(120_000, .output(Array("alice@db-prod:~$ ".utf8)))
        for (i, cmd) in ["uptime", "ls -l", "sudo systemctl restart db"].enumerated() {
            for ch in cmd.utf8 { add(90_000, .input([ch])); add(1_500, .output([ch])) }
            add(300_000, .input([13]))
            add(10, .command(cmd))
            add(2_000, .output(Array("\r\n\u{1B}[32moutput of \(cmd)\u{1B}[0m\r\nalice@db-prod:~$ ".utf8)))
            if i == 1 { add(1_700_000, .marker("before restart")) }
        }
        add(400_000, .click(x: 12, y: 3, button: 1))
        add(250_000, .output(Array("logout\r\n".utf8)))
        add(1_000, .exit(0))
        return list
    }()

    static let screen: [TimedEvent] = {
        let w = 16, h = 8
        var frame: [UInt8] = []
        for i in 0..<(w * h) {
            let blue = UInt8(i % 256), green = UInt8((i * 3) % 256)
            frame += [blue, green, 0x40, 0xFF]
        }
        let red: [UInt8] = [0xFF, 0x00, 0x00, 0xFF]
        let patch = Array([[UInt8]](repeating: red, count: 8).joined())
        return [
            TimedEvent(timeMicros: 0, event: .screenKeyframe(ScreenImage(width: w, height: h, format: .bgra8888, pixels: frame))),
            TimedEvent(timeMicros: 40_000, event: .pointerMove(x: 5, y: 5)),
            TimedEvent(timeMicros: 80_000, event: .click(x: 5, y: 5, button: 1)),
            TimedEvent(timeMicros: 120_000, event: .screenDelta(ScreenDelta(format: .bgra8888, rects: [PixelRect(x: 4, y: 4, width: 4, height: 2, pixels: patch)]))),
            TimedEvent(timeMicros: 500_000, event: .key(keysym: 0x61, modifiers: 0, down: true)),
            TimedEvent(timeMicros: 560_000, event: .key(keysym: 0x61, modifiers: 0, down: false)),
            TimedEvent(timeMicros: 900_000, event: .key(keysym: 0xFF0D, modifiers: 0, down: true)),
            TimedEvent(timeMicros: 900_001, event: .command("")),
            TimedEvent(timeMicros: 2_100_000, event: .screenDelta(ScreenDelta(format: .rgb565, rects: [PixelRect(x: 0, y: 0, width: 2, height: 1, pixels: [0x1F, 0x00, 0xE0, 0x07])]))),
        ]
    }()

    static let vectors: [Vector] = [
        Vector(name: "minimal", codec: .zstd, proto: .ssh, events: []),
        Vector(name: "terminal-zstd", codec: .zstd, proto: .ssh, events: session),
        Vector(name: "terminal-zlib", codec: .zlib, proto: .ssh, events: session),
        Vector(name: "terminal-uncompressed", codec: .none, proto: .ssh, events: session),
        Vector(name: "terminal-partial-index", codec: .zstd, proto: .ssh, events: session, indexEvery: 2),
        Vector(name: "truncated", codec: .none, proto: .ssh, events: session, indexEvery: 2, cutBytesFromEnd: 20, close: false),
        Vector(name: "screen", codec: .zstd, proto: .rdp, events: screen),
        Vector(name: "every-event", codec: .none, proto: .ssh, events: Sample.everyEvent),
        // Format 1.1: the columnar event layout.
        Vector(name: "columnar-zstd", codec: .zstd, proto: .ssh, events: session, layout: .columnar),
        Vector(name: "columnar-frames", codec: .zstd, proto: .ssh, events: typing, layout: .columnar),
        Vector(name: "columnar-zlib", codec: .zlib, proto: .ssh, events: typing, layout: .columnar),
        Vector(name: "columnar-every-event", codec: .none, proto: .ssh, events: Sample.everyEvent, layout: .columnar),
        // Format 1.2: the hash chain and SEAL chunks, uncompressed so that the seals can be read
        // in a hex dump and the file is checked byte for byte (Ed25519 signatures are deterministic).
        Vector(name: "sealed", codec: .none, proto: .ssh, events: session, layout: .columnar, indexEvery: 4, sealEvery: 2_000_000),
        Vector(name: "sealed-truncated", codec: .none, proto: .ssh, events: session, layout: .columnar, indexEvery: 4, cutBytesFromEnd: 20, close: false, sealEvery: 2_000_000),
    ]

    /// 200 events in one chunk (a prompt, keystroke echo, command output): enough for the
    /// writer to compress types, deltas, lengths and bodies as four zstd frames.
    static let typing: [TimedEvent] = {
        var list: [TimedEvent] = []
        var t: Int64 = 0
        for i in 0..<200 {
            let event: Event
            switch i % 10 {
            case 0: event = .output(Array("\u{1B}[01;32maudit@db\u{1B}[00m:~$ ".utf8))
            case 9: event = .output(Array("\r\nline \(i): ok\r\n".utf8))
            default: event = .output([UInt8(0x61 + i % 26)])
            }
            t += Int64(1_000 + (i * 7919) % 4_000)
            list.append(TimedEvent(timeMicros: t, event: event))
        }
        return list
    }()

    static func build(_ v: Vector) throws -> [UInt8] {
        var options = Sample.options(v.codec, salt: 0x0123_4567_89AB_CDEF)
        options.indexEveryChunks = v.indexEvery
        options.eventLayout = v.layout
        if let every = v.sealEvery {
            options.sealingKey = Sample.sealingKey
            options.sealIntervalMicros = every
        }
        var bytes = try Sample.file(v.events, options: options, metadata: Sample.metadata(v.proto), close: v.close)
        bytes.removeLast(v.cutBytesFromEnd)
        return bytes
    }

    static func expectedInfo(_ reader: RecordingReader) -> String {
        let counts = Dictionary(grouping: reader.indicators, by: \.kind.name).mapValues(\.count)
        let indicators = counts.keys.sorted().map { "\"\($0)\":\(counts[$0]!)" }.joined(separator: ",")
        return "{\"status\":\"\(reader.status.rawValue)\",\"duration_us\":\(reader.durationMicros),\"event_chunks\":\(reader.entries.count),\"events\":\(reader.entries.map(\.eventCount).reduce(0, +)),\"indicators\":{\(indicators)}}\n"
    }

    /// The seal report as `NAME.seals.json` holds it (`Spec/format.md#test-vectors`).
    static func expectedSeals(_ r: SealReport) -> String {
        func string(_ s: String?) -> String { s.map { "\"\($0)\"" } ?? "null" }
        func number<N: BinaryInteger>(_ n: N?) -> String { n.map { "\($0)" } ?? "null" }
        return "{\"status\":\"\(r.status.rawValue)\",\"key_id\":\(string(r.keyID)),\"key_fingerprint\":\(string(r.keyFingerprint)),\"seals\":\(r.seals),\"valid_seals\":\(r.validSeals),\"sealed_to_us\":\(number(r.sealedMicros)),\"sealed_sequence\":\(number(r.sealedSequence)),\"problem\":\(string(r.problem?.kind)),\"problem_sequence\":\(number(r.problem?.sequence))}\n"
    }

    static func expectedEvents(_ reader: RecordingReader) -> String {
        reader.events().map { $0.jsonLine() + "\n" }.joined()
    }

    @Test(arguments: vectors)
    func vectorDecodesToItsExpectedForm(_ vector: Vector) throws {
        let base = Self.directory.appendingPathComponent(vector.name)
        let file = base.appendingPathExtension("psrec")
        if ProcessInfo.processInfo.environment["PSREC_WRITE_VECTORS"] == "1" {
            let bytes = try Self.build(vector)
            try Data(bytes).write(to: file)
            let reader = try RecordingReader(source: MemorySource(bytes))
            try Self.expectedEvents(reader).write(to: base.appendingPathExtension("events.jsonl"), atomically: true, encoding: .utf8)
            try Self.expectedInfo(reader).write(to: base.appendingPathExtension("info.json"), atomically: true, encoding: .utf8)
            if vector.sealEvery != nil {
                try Self.expectedSeals(SealVerifier.verify(MemorySource(bytes))).write(to: base.appendingPathExtension("seals.json"), atomically: true, encoding: .utf8)
            }
        }
        if vector.sealEvery != nil {
            let seals = try String(contentsOf: base.appendingPathExtension("seals.json"), encoding: .utf8)
            #expect(Self.expectedSeals(SealVerifier.verify(path: file.path)) == seals)
        }
        let reader = try RecordingReader(path: file.path)
        let events = try String(contentsOf: base.appendingPathExtension("events.jsonl"), encoding: .utf8)
        let info = try String(contentsOf: base.appendingPathExtension("info.json"), encoding: .utf8)
        #expect(Self.expectedEvents(reader) == events)
        #expect(Self.expectedInfo(reader) == info)
        var metadata = Sample.metadata(vector.proto)
        if vector.sealEvery != nil {
            metadata.sealKeyID = Sample.sealingKey.id
            metadata.sealKeyFingerprint = Sample.sealingKey.publicKey.fingerprint
        }
        #expect(reader.metadata == metadata)
        #expect(reader.damage.isEmpty)
        // The events the vector was made from are exactly the events it holds (all of them
        // for complete files; a prefix for the cut one).
        let decoded = Array(reader.events())
        if vector.close {
            #expect(decoded == vector.events)
        } else {
            #expect(Array(vector.events.prefix(decoded.count)) == decoded)
            #expect(reader.status == .truncated)
        }
    }

    @Test func uncompressedVectorsAreWrittenByteForByte() throws {
        for vector in Self.vectors where vector.codec == .none {
            let onDisk = try Data(contentsOf: Self.directory.appendingPathComponent(vector.name + ".psrec"))
            #expect([UInt8](onDisk) == (try Self.build(vector)), "\(vector.name)")
        }
    }
}
