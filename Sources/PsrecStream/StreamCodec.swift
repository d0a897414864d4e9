/// Encoding and decoding of `StreamMessage`s (`Spec/protocol.md#messages`).
///
/// A receiver reads the 5-byte prefix, checks it with `prefix(_:)` (a known type, a length
/// within that type's bound), and only then reads the body and decodes it with
/// `decodeBody(type:_:)`: a declared length never sets memory aside before it is checked.
public enum StreamCodec {
    /// Checks a message's 5-byte prefix.
    /// - Returns: the type and the number of body bytes that follow.
    /// - Throws: `StreamDecodingError` for an unknown type or a length out of its bounds.
    public static func prefix(_ bytes: some Collection<UInt8>) throws(StreamDecodingError) -> (type: StreamMessageType, bodyLength: Int) {
        let b = Array(bytes.prefix(StreamLimits.prefixBytes))
        guard b.count == StreamLimits.prefixBytes else { throw StreamDecodingError("A message ends inside its 5-byte prefix.") }
        let length = Int(b[0]) | Int(b[1]) << 8 | Int(b[2]) << 16 | Int(b[3]) << 24
        guard let type = StreamMessageType(rawValue: b[4]) else {
            throw StreamDecodingError("Message type \(b[4]) is not defined.")
        }
        guard length >= 1, length <= type.maxLength else {
            throw StreamDecodingError("A \(type) message declares \(length) bytes, outside 1…\(type.maxLength).")
        }
        return (type, length - 1)
    }

    /// Decodes a message body of `type`.
    /// - Throws: `StreamDecodingError` when the body does not match its type exactly.
    public static func decodeBody(type: StreamMessageType, _ body: [UInt8]) throws(StreamDecodingError) -> StreamMessage {
        var r = Reader(bytes: body, type: type)
        let message: StreamMessage
        switch type {
        case .hello:
            let version = try r.u16()
            let token = try r.bytes(Int(try r.u16()), max: StreamLimits.maxTokenBytes, what: "token")
            let head = try r.bytes(Int(try r.u32()), max: StreamLimits.maxHeadBytes, what: "head")
            message = .hello(version: version, token: token, head: head)
        case .chunk:
            let offset = try r.offset()
            let bytes = r.rest()
            guard bytes.count >= 48 else { throw StreamDecodingError("A chunk message holds \(bytes.count) bytes, fewer than a chunk header.") }
            message = .chunk(offset: offset, bytes: bytes)
        case .trailer:
            let offset = try r.offset()
            message = .trailer(offset: offset, bytes: try r.bytes(80, max: 80, what: "trailer"))
        case .end:
            message = .end(offset: try r.offset())
        case .query:
            let version = try r.u16()
            let token = try r.bytes(Int(try r.u16()), max: StreamLimits.maxTokenBytes, what: "token")
            let name = try r.bytes(Int(try r.u16()), max: StreamLimits.maxApplicationBytes, what: "application name")
            guard let application = String(validating: name, as: UTF8.self) else {
                throw StreamDecodingError("The application name in a query is not UTF-8.")
            }
            message = .query(version: version, token: token, application: application)
        case .welcome:
            message = .welcome(try r.position())
        case .ack:
            let sequence = try r.u32()
            message = .ack(sequence: sequence, position: try r.position())
        case .policy:
            message = .policy(recording: try r.flag(), strict: try r.flag())
        case .error:
            let raw = try r.u16()
            guard let code = StreamErrorCode(rawValue: raw) else { throw StreamDecodingError("Error code \(raw) is not defined.") }
            let text = try r.bytes(Int(try r.u16()), max: StreamLimits.maxErrorMessageBytes, what: "error message")
            guard let sentence = String(validating: text, as: UTF8.self) else { throw StreamDecodingError("An error message is not UTF-8.") }
            message = .error(code, sentence)
        }
        guard r.atEnd else { throw StreamDecodingError("A \(type) message has \(r.remaining) bytes after its fields.") }
        return message
    }

    /// Decodes one whole message, prefix included (tests and the fuzz harness).
    public static func decode(_ bytes: [UInt8]) throws(StreamDecodingError) -> StreamMessage {
        let (type, bodyLength) = try prefix(bytes)
        guard bytes.count == StreamLimits.prefixBytes + bodyLength else {
            throw StreamDecodingError("A \(type) message declares \(bodyLength + 1) bytes but \(bytes.count - 4) follow its length.")
        }
        return try decodeBody(type: type, Array(bytes[StreamLimits.prefixBytes...]))
    }

    /// The bytes of `message`, prefix included.
    public static func encode(_ message: StreamMessage) -> [UInt8] {
        var body: [UInt8] = []
        func u16(_ v: UInt16) { body += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { body.append(UInt8(truncatingIfNeeded: v >> s)) } }
        func u64(_ v: Int64) { for s in stride(from: 0, to: 64, by: 8) { body.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: v) >> s)) } }
        func position(_ p: StreamPosition) { u64(p.committedBytes); u32(p.nextSequence); body.append(p.complete ? 1 : 0) }
        switch message {
        case .hello(let version, let token, let head):
            u16(version); u16(UInt16(clamping: token.count)); body += token; u32(UInt32(clamping: head.count)); body += head
        case .chunk(let offset, let bytes):
            u64(offset); body += bytes
        case .trailer(let offset, let bytes):
            u64(offset); body += bytes
        case .end(let offset):
            u64(offset)
        case .query(let version, let token, let application):
            let name = Array(application.utf8)
            u16(version); u16(UInt16(clamping: token.count)); body += token; u16(UInt16(clamping: name.count)); body += name
        case .welcome(let p):
            position(p)
        case .ack(let sequence, let p):
            u32(sequence); position(p)
        case .policy(let recording, let strict):
            body += [recording ? 1 : 0, strict ? 1 : 0]
        case .error(let code, let sentence):
            // A sentence longer than the bound is cut at a character boundary.
            var text = Array(sentence.utf8)
            if text.count > StreamLimits.maxErrorMessageBytes {
                var cut = StreamLimits.maxErrorMessageBytes
                while cut > 0, text[cut] & 0xC0 == 0x80 { cut -= 1 }
                text = Array(text[..<cut])
            }
            u16(code.rawValue); u16(UInt16(text.count)); body += text
        }
        let length = UInt32(body.count + 1)
        return [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24), message.type.rawValue] + body
    }

    /// Reads a body's fields in order.
    struct Reader {
        let bytes: [UInt8]
        let type: StreamMessageType
        var at = 0
        init(bytes: [UInt8], type: StreamMessageType) { self.bytes = bytes; self.type = type }

        var remaining: Int { bytes.count - at }
        var atEnd: Bool { at == bytes.count }

        mutating func take(_ n: Int) throws(StreamDecodingError) -> ArraySlice<UInt8> {
            guard n <= remaining else { throw StreamDecodingError("A \(type) message ends inside its fields.") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }

        mutating func u16() throws(StreamDecodingError) -> UInt16 {
            let b = try take(2)
            return UInt16(b[b.startIndex]) | UInt16(b[b.startIndex + 1]) << 8
        }

        mutating func u32() throws(StreamDecodingError) -> UInt32 {
            try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func offset() throws(StreamDecodingError) -> Int64 {
            let v = try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard v <= UInt64(Int64.max) else { throw StreamDecodingError("A \(type) message gives an offset beyond 2^63.") }
            return Int64(v)
        }

        mutating func position() throws(StreamDecodingError) -> StreamPosition {
            StreamPosition(committedBytes: try offset(), nextSequence: try u32(), complete: try flag())
        }

        mutating func flag() throws(StreamDecodingError) -> Bool {
            let b = try take(1)[at - 1]
            guard b <= 1 else { throw StreamDecodingError("A \(type) message has a flag of \(b), not 0 or 1.") }
            return b == 1
        }

        mutating func bytes(_ n: Int, max: Int, what: String) throws(StreamDecodingError) -> [UInt8] {
            guard n <= max else { throw StreamDecodingError("A \(type) message's \(what) declares \(n) bytes, over \(max).") }
            return Array(try take(n))
        }

        mutating func rest() -> [UInt8] {
            defer { at = bytes.count }
            return Array(bytes[at...])
        }
    }
}
