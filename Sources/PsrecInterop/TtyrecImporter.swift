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
            let offset = buffer.consumedOffset
            let header = try buffer.read(count: Self.headerSize)
            if header.isEmpty { break }
            guard header.count == Self.headerSize else {
                let reason = "the file ends inside a frame header (\(header.count) of \(Self.headerSize) bytes)"
                guard lenient else { throw ConversionError(.truncatedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) ends inside the frame header at byte \(offset); that frame was left out")
                break
            }
            let seconds = Self.uint32(header, 0), micros = Self.uint32(header, 4), length = Self.uint32(header, 8)
            guard length <= Self.maxFrameBytes else {
                let reason = "a frame declares \(length) bytes, more than the \(Self.maxFrameBytes >> 20) MiB a frame may hold"
                guard lenient else { throw ConversionError(.malformedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) has a malformed frame at byte \(offset) (\(reason)); it and everything after it were left out")
                break
            }
            let payload = try buffer.read(count: Int(length))
            guard payload.count == Int(length) else {
                let reason = "the file ends inside a frame (\(payload.count) of \(length) bytes), as when the recorder stops mid-write"
                guard lenient else { throw ConversionError(.truncatedFrame, file: name, offset: offset, reason: reason) }
                try start(at: nil).skipTorn("\(name) ends inside the frame at byte \(offset); that frame was left out")
                break
            }
            let absolute = Int64(seconds) * 1_000_000 + Int64(micros)
            if session == nil { base = absolute }
            try start(at: absolute).append(.output(payload), atMicros: absolute - base, at: .offset(offset))
        }
        return try start(at: nil).finish()
    }

    static func uint32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }
}
