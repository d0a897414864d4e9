import Foundation
import PsrecFormat

// The fuzz harnesses (fuzz/Harnesses/NAME) and FuzzRegressionTests both call this code, so
// every saved crash case is replayed by `swift test` through exactly the code the harness ran.

/// What the fuzz harnesses do with one input: decode it every way the public API allows.
///
/// Malformed bytes must throw `FormatError` or give nil; a trap, a hang or a huge allocation
/// is a bug. Round trips that must hold are checked with `precondition`, so that libFuzzer
/// reports a broken one as a crash.
public enum FuzzExercise {
    /// Harness name to body, for replaying saved cases by folder name.
    public static let harnesses: [String: @Sendable ([UInt8]) -> Void] = [
        "trailer": trailer, "chunk": chunk, "events": events, "index": index, "file": file,
        "verify": verify, "convert": convert, "stream": stream,
    ]

    /// Salts tried where the input gives none: zero, the sample recording's, all ones.
    static let salts: [UInt64] = [0, FuzzSample.salt, .max]

    /// `Trailer.decode` on the input's ends, then the trailer locator: the input appended to
    /// a complete recording cut before its trailer, as is, with a trailer-shaped tail's CRC
    /// fixed, and as a well-formed trailer whose fields the input picks.
    public static func trailer(_ input: [UInt8]) {
        for salt in salts + [le64(input, 0)] {
            for window in [Array(input.prefix(Trailer.size)), Array(input.suffix(Trailer.size))] {
                guard let found = window.withUnsafeBytes({ Trailer.decode($0, salt: salt) }) else { continue }
                precondition(found.encoded(salt: salt) == window, "a decoded trailer does not encode to its bytes")
            }
        }
        let prefix = FuzzSample.withoutTrailer
        var bytes = prefix + input
        open(bytes)
        FuzzFixup.trailer(&bytes, salt: FuzzSample.salt)
        open(bytes)
        guard input.count >= 11 else { return }
        let offsets = FuzzSample.chunkOffsets
        let indexOffset = offsets[Int(input[0]) % offsets.count] + Int64(Int8(bitPattern: input[1]))
        let sequence = UInt32(truncatingIfNeeded: Int(FuzzSample.lastSequence) + Int(Int8(bitPattern: input[2])))
        // The trailer holds 16 decimal digits of duration.
        let duration = Int64(le64(input, 3) % 10_000_000_000_000_000)
        let made = Trailer(indexOffset: max(0, indexOffset), indexSequence: sequence, durationMicros: duration)
        open(prefix + made.encoded(salt: FuzzSample.salt) + input.dropFirst(11))
    }

    /// `ChunkHeader.decode` on the input's first 48 bytes (as is, and with its header CRC
    /// fixed), then the chunk stream: a valid file header followed by the input (without its
    /// own file header, if it has one), scanned, every chunk's payload read and every event
    /// decoded; then again with every chunk CRC fixed.
    public static func chunk(_ input: [UInt8]) {
        var head = Array(input.prefix(ChunkHeader.size))
        for salt in salts {
            _ = try? head.withUnsafeBytes { raw throws(FormatError) in try ChunkHeader.decode(raw, salt: salt, offset: 32) }
        }
        if head.count == ChunkHeader.size {
            FuzzFixup.chunks(&head, salt: FuzzSample.salt, from: 0)
            let decoded = try? head.withUnsafeBytes { raw throws(FormatError) in try ChunkHeader.decode(raw, salt: FuzzSample.salt, offset: 32) }
            if let decoded, head[6] == 0, head[7] == 0 {
                var again = ByteWriter()
                decoded.encode(into: &again, salt: FuzzSample.salt)
                precondition(again.bytes == head, "a decoded chunk header does not encode to its bytes")
            }
        }
        let body = input.starts(with: FileHeader.signature) ? Array(input.dropFirst(FileHeader.size)) : input
        var bytes = FileHeader(salt: FuzzSample.salt).encoded() + body
        readChunks(bytes)
        FuzzFixup.chunks(&bytes, salt: FuzzSample.salt, from: FileHeader.size)
        readChunks(bytes)
    }

    /// `EventsPayload.forEach` over the input after a 20-byte prefix that gives the chunk's
    /// start, span and event count (bit 31 of the count: columnar layout), and
    /// `Event.decode` of every event, which must survive an encode and decode round trip.
    /// An event list that decodes whole must decode to the same events when written again
    /// in either layout.
    public static func events(_ input: [UInt8]) {
        guard input.count >= 20 else { return }
        let start = Int64(le64(input, 0) % UInt64(Limits.maxMicros + 1))
        let end = start + Int64(le64(input, 8) % UInt64(Limits.maxMicros - start + 1))
        let countField = le32(input, 16)
        let count = Int(countField & 0x7FFF_FFFF) % (Limits.maxItemCount + 1)
        let flags = countField & 0x8000_0000 != 0 ? ChunkHeader.columnarEvents : 0
        let payload = Array(input.dropFirst(20))
        let header = ChunkHeader(type: .events, codec: .none, sequence: 1, storedLength: payload.count,
                                 decodedLength: payload.count, itemCount: count, startMicros: start,
                                 endMicros: end, payloadCRC: 0, flags: flags)
        var list: [(type: EventType, time: Int64, body: [UInt8])] = []
        let whole: Void? = try? payload.withUnsafeBytes { bytes in
            try EventsPayload.forEach(in: bytes, header: header, offset: 4096) { raw in
                list.append((raw.type, raw.timeMicros, Array(raw.body)))
                guard let event = try? Event.decode(type: raw.type, body: raw.body, baseOffset: 4096) else { return }
                precondition((try? raw.decoded()) == event, "RawEvent.decoded differs from Event.decode")
                var w = ByteWriter()
                EventsPayload.append(event, deltaMicros: 0, into: &w)
                let single = ChunkHeader(type: .events, codec: .none, sequence: 1, storedLength: w.count,
                                         decodedLength: w.count, itemCount: 1, startMicros: 0, endMicros: 0, payloadCRC: 0)
                var again: Event?
                try? w.bytes.withUnsafeBytes { encoded in
                    try EventsPayload.forEach(in: encoded, header: single, offset: 0) { again = try $0.decoded() }
                }
                precondition(again == event, "an event does not survive an encode and decode round trip")
            }
        }
        guard whole != nil else { return }
        for layout in [EventLayout.interleaved, .columnar] {
            var builder = EventsBuilder(layout: layout)
            var previous = start
            for e in list {
                e.body.withUnsafeBytes { builder.append(type: e.type, body: $0, deltaMicros: e.time - previous) }
                previous = e.time
            }
            let rebuilt = builder.payload
            precondition(rebuilt.count == payload.count, "an event list changes size in the \(layout) layout")
            let again = ChunkHeader(type: .events, codec: .none, sequence: 1, storedLength: rebuilt.count,
                                    decodedLength: rebuilt.count, itemCount: count, startMicros: start,
                                    endMicros: end, payloadCRC: 0, flags: builder.chunkFlags)
            var index = 0
            do {
                try rebuilt.withUnsafeBytes { bytes in
                    try EventsPayload.forEach(in: bytes, header: again, offset: 0) { raw in
                        let e = list[index]
                        precondition(raw.type == e.type && raw.timeMicros == e.time && raw.body.elementsEqual(e.body),
                                     "event \(index) differs after writing the list in the \(layout) layout")
                        index += 1
                    }
                }
            } catch {
                preconditionFailure("an event list that decoded does not decode in the \(layout) layout: \(error)")
            }
            precondition(index == list.count, "events lost in the \(layout) layout")
        }
    }

    /// `IndexPayload.decode` of the input at two chunk offsets; what decodes must survive an
    /// encode and decode round trip.
    public static func index(_ input: [UInt8]) {
        for offset: Int64 in [4096, 1 << 40] {
            let decoded = try? input.withUnsafeBytes { raw throws(FormatError) in try IndexPayload.decode(raw, offset: offset) }
            guard let decoded else { continue }
            let again = try? decoded.encoded().withUnsafeBytes { raw throws(FormatError) in try IndexPayload.decode(raw, offset: offset) }
            precondition(again == decoded, "an index does not survive an encode and decode round trip")
        }
    }

    /// The whole-file reader on the input, then on the input with every checksum fixed.
    public static func file(_ input: [UInt8]) {
        open(input)
        guard input.count >= FileHeader.size, input.starts(with: FileHeader.signature) else { return }
        var fixed = input
        FuzzFixup.all(&fixed, salt: le64(input, 16))
        if fixed != input { open(fixed) }
    }

    /// Opens `bytes` through the trailer and by scanning, and reads everything a player would.
    static func open(_ bytes: [UInt8]) {
        for scan in [false, true] {
            guard let reader = try? RecordingReader(source: MemorySource(bytes), scan: scan) else { continue }
            for _ in reader.events() {}
            try? reader.forEachEvent { _ = try? $0.decoded() }
            let middle = reader.durationMicros / 2
            for _ in reader.events(fromMicros: middle, toMicros: middle + 1_000_000) {}
            for indicator in reader.indicators {
                _ = reader.entryIndex(atOrAfter: indicator.timeMicros)
            }
            _ = (reader.status, reader.truncation, reader.damage.count, reader.metadata)
        }
    }

    /// Scans `bytes`, walks its chunks with `readHeader` and `readPayload`, and decodes every
    /// event of every EVENTS chunk the scan listed.
    static func readChunks(_ bytes: [UInt8]) {
        guard let reader = try? RecordingReader(source: MemorySource(bytes), scan: true) else { return }
        var offset = Int64(FileHeader.size)
        while let chunk = try? reader.readHeader(at: offset) {
            _ = try? reader.readPayload(chunk, at: offset)
            offset = chunk.end(at: offset)
        }
        for entry in reader.entries {
            guard let (chunk, payload) = try? reader.readEvents(entry) else { continue }
            try? payload.withUnsafeBytes { raw in
                try EventsPayload.forEach(in: raw, header: chunk, offset: entry.offset) { _ = try? $0.decoded() }
            }
        }
    }

    static func le32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | (at + $1 < bytes.count ? UInt32(bytes[at + $1]) << (8 * $1) : 0) }
    }

    static func le64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | (at + $1 < bytes.count ? UInt64(bytes[at + $1]) << (8 * $1) : 0) }
    }
}

/// Rewrites checksums so that mutated bytes get past them to the code they guard.
enum FuzzFixup {
    /// Fixes the file header CRC, every chunk's CRCs and a trailer-shaped tail's CRC.
    static func all(_ bytes: inout [UInt8], salt: UInt64) {
        if bytes.count >= FileHeader.size {
            let crc = bytes.withUnsafeBytes { Checksum.crc32(UnsafeRawBufferPointer(rebasing: $0[0..<28])) }
            put32(&bytes, 28, crc)
        }
        chunks(&bytes, salt: salt, from: FileHeader.size)
        trailer(&bytes, salt: salt)
    }

    /// Walks chunks from `start` (jumping to the next chunk magic where none starts) and sets
    /// each one's payload CRC, over the payload bytes present, and header CRC.
    static func chunks(_ bytes: inout [UInt8], salt: UInt64, from start: Int) {
        var offset = start
        while offset + ChunkHeader.size <= bytes.count {
            guard bytes[offset..<(offset + 4)].elementsEqual(ChunkHeader.magic) else {
                guard let next = (offset + 1..<(bytes.count - 3)).first(where: {
                    bytes[$0..<($0 + 4)].elementsEqual(ChunkHeader.magic)
                }) else { return }
                offset = next
                continue
            }
            let payloadStart = offset + ChunkHeader.size
            let end = payloadStart + Int(FuzzExercise.le32(bytes, offset + 12))
            let payloadCRC = bytes.withUnsafeBytes {
                Checksum.salted(UnsafeRawBufferPointer(rebasing: $0[payloadStart..<min(end, bytes.count)]), salt: salt)
            }
            put32(&bytes, offset + 40, payloadCRC)
            let headerCRC = bytes.withUnsafeBytes {
                Checksum.salted(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + 44)]), salt: salt)
            }
            put32(&bytes, offset + 44, headerCRC)
            offset = end
        }
    }

    /// Sets the CRC of the last 80 bytes when they start like a trailer.
    static func trailer(_ bytes: inout [UInt8], salt: UInt64) {
        let start = bytes.count - Trailer.size
        guard start >= 0, bytes[start...].starts(with: Array("PSREC-END idx=".utf8)) else { return }
        let crc = bytes.withUnsafeBytes { Checksum.salted(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 66)]), salt: salt) }
        let hex = Array("0123456789abcdef".utf8)
        for i in 0..<8 { bytes[start + 71 + i] = hex[Int(crc >> (28 - 4 * UInt32(i)) & 0xF)] }
    }

    static func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
}

/// A complete recording built once with `RecordingWriter`, for harnesses that need valid
/// bytes around the fuzz input: uncompressed, fixed salt and id, every indicator kind,
/// partial indexes and a final one.
enum FuzzSample {
    static let salt: UInt64 = 0x5EED_F022_0000_0001

    static let file: [UInt8] = {
        var options = WriterOptions(codec: .none)
        options.salt = salt
        options.indexEveryChunks = 2
        let metadata = RecordingMetadata(recordingID: UUID(uuidString: "0F022F02-2F02-4F02-8F02-2F022F022F02")!,
                                         startUnixMicros: 1_764_000_000_000_000, user: "fuzz",
                                         terminal: .init(cols: 80, rows: 24))
        let sink = MemorySink()
        do {
            let writer = try RecordingWriter(sink: sink, metadata: metadata, options: options)
            let events: [Event] = [
                .resize(cols: 80, rows: 24), .output(Array("$ ".utf8)), .input(Array("ls\r".utf8)),
                .command("ls"), .output(Array("a  b\r\n".utf8)), .click(x: 3, y: 2, button: 1),
                .marker("m"), .redactedInput(count: 4), .exit(0),
            ]
            for (i, event) in events.enumerated() { try writer.append(event, atMicros: Int64(i) * 250_000) }
            try writer.close()
        } catch {
            preconditionFailure("the sample recording cannot be written: \(error)")
        }
        return sink.bytes
    }()

    /// The sample without its trailer, ending with its final INDEX chunk.
    static let withoutTrailer = Array(file.dropLast(Trailer.size))

    /// Offsets of the sample's chunks.
    static let chunkOffsets: [Int64] = {
        var offsets: [Int64] = []
        var offset = FileHeader.size
        while offset + ChunkHeader.size <= withoutTrailer.count {
            offsets.append(Int64(offset))
            offset += ChunkHeader.size + Int(FuzzExercise.le32(withoutTrailer, offset + 12))
        }
        return offsets
    }()

    /// Sequence number of the sample's last chunk (its final index).
    static let lastSequence = UInt32(chunkOffsets.count - 1)
}
