internal import PsrecFormat

/// Imports ttyrec: a sequence of frames, each a 12-byte header and its output bytes, with
/// no file header.
///
/// ```
/// +--------+--------+--------+=================+
/// | sec    | usec   | len    | len bytes output |   (u32 little-endian each)
/// +--------+--------+--------+=================+
/// ```
/// Frame times are absolute: the first frame is session time 0 and its time is the
/// recording's start. Frames are read one at a time; a frame longer than `maxFrameBytes`
/// is malformed.
struct TtyrecImporter {
    static let headerSize = 12
    /// Largest frame payload accepted: 32 MiB.
    static let maxFrameBytes = 32 << 20

    let context: ImportContext

    func run(_ buffer: InputBuffer) throws(ConversionError) -> ConversionReport {
        let name = context.inputName
        let lenient = context.options.lenient
        var session: ImportSession?
        var base: Int64 = 0
        var pendingWarnings: [String] = []

        func start(at micros: Int64?) throws(ConversionError) -> ImportSession {
            if let session { return session }
            let startMicros = ImportSession.startMicros(input: micros, context: context, warnings: &pendingWarnings)
            let metadata = RecordingMetadata(startUnixMicros: startMicros)
            let made = try ImportSession(format: .ttyrec, metadata: metadata, context: context, warnings: pendingWarnings)
            session = made
            return made
        }

        while true {
            // Every whole frame already buffered, in one pass (a million small frames of a
            // typing session cost a tenth less this way); the first frame, torn frames and
            // frames larger than the buffer go through the general path below.
            if let output = session {
                try buffer.withBuffered { (raw, at) throws(ConversionError) -> Int in
                    var used = 0
                    while raw.count - used >= Self.headerSize {
                        let length = Int(Self.uint32(raw, used + 8))
                        guard length <= Self.maxFrameBytes, raw.count - used - Self.headerSize >= length else { break }
                        let absolute = Int64(Self.uint32(raw, used)) * 1_000_000 + Int64(Self.uint32(raw, used + 4))
                        let payload = UnsafeRawBufferPointer(rebasing: raw[(used + Self.headerSize)..<(used + Self.headerSize + length)])
                        try output.appendOutput(payload, atMicros: absolute - base, at: .offset(at + Int64(used)))
                        used += Self.headerSize + length
                    }
                    return used
                }
            }
            let offset = buffer.consumedOffset
            // Header and payload are read where they lie in the input buffer, without copies.
            let (got, seconds, micros, length) = try buffer.withNext(Self.headerSize) { (raw) throws(ConversionError) in
                raw.count == Self.headerSize ? (raw.count, Self.uint32(raw, 0), Self.uint32(raw, 4), Self.uint32(raw, 8)) : (raw.count, UInt32(0), UInt32(0), UInt32(0))
            }
            if got == 0 { break }
            guard got == Self.headerSize else {
                let reason = "the file ends inside a frame header (\(got) of \(Self.headerSize) bytes)"
                guard lenient else { throw ConversionError(.truncatedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) ends inside the frame header at byte \(offset); that frame was left out")
                break
            }
            guard length <= Self.maxFrameBytes else {
                let reason = "a frame declares \(length) bytes, more than the \(Self.maxFrameBytes >> 20) MiB a frame may hold"
                guard lenient else { throw ConversionError(.malformedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) has a malformed frame at byte \(offset) (\(reason)); it and everything after it were left out")
                break
            }
            let short = try buffer.withNext(Int(length)) { (payload) throws(ConversionError) -> Int? in
                guard payload.count == Int(length) else { return payload.count }
                let absolute = Int64(seconds) * 1_000_000 + Int64(micros)
                if session == nil { base = absolute }
                try start(at: absolute).appendOutput(payload, atMicros: absolute - base, at: .offset(offset))
                return nil
            }
            if let short {
                let reason = "the file ends inside a frame (\(short) of \(length) bytes), as when the recorder stops mid-write"
                guard lenient else { throw ConversionError(.truncatedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) ends inside the frame at byte \(offset); that frame was left out")
                break
            }
        }
        return try start(at: nil).finish()
    }

    static func uint32(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
}
