import NIOCore
public import PsrecStream

/// A refusal the server sends before closing: a code and one sentence.
public struct StreamRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StreamErrorCode
    public var message: String
    public init(_ code: StreamErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { message }
}

/// Cuts the byte stream into `StreamMessage`s. The 5-byte prefix is checked first (a
/// known type, a length within that type's bound), so a declared length never sets aside
/// more than the bound of its type; a message still incomplete `messageDeadline` after its
/// first byte arrived is refused (a peer trickling bytes cannot hold a connection open).
struct StreamMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = StreamMessage

    /// Only messages of this direction are accepted.
    let fromHost: Bool
    let messageDeadline: TimeAmount
    private var partialSince: NIODeadline?

    init(fromHost: Bool, messageDeadline: TimeAmount) {
        self.fromHost = fromHost
        self.messageDeadline = messageDeadline
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard buffer.readableBytes > 0 else { return .needMoreData }
        guard let prefix = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, StreamLimits.prefixBytes)),
              prefix.count == StreamLimits.prefixBytes else {
            try checkDeadline()
            return .needMoreData
        }
        let (type, bodyLength): (StreamMessageType, Int)
        do {
            (type, bodyLength) = try StreamCodec.prefix(prefix)
        } catch {
            throw StreamRefusal(.malformed, error.message)
        }
        guard type.isFromHost == fromHost else {
            throw StreamRefusal(.malformed, "A \(type) message is not one this side receives.")
        }
        guard buffer.readableBytes >= StreamLimits.prefixBytes + bodyLength else {
            try checkDeadline()
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: StreamLimits.prefixBytes)
        let body = buffer.readBytes(length: bodyLength) ?? []
        partialSince = nil
        do {
            context.fireChannelRead(wrapInboundOut(try StreamCodec.decodeBody(type: type, body)))
        } catch {
            throw StreamRefusal(.malformed, error.message)
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    private mutating func checkDeadline() throws {
        let now = NIODeadline.now()
        guard let since = partialSince else { partialSince = now; return }
        if now - since > messageDeadline {
            throw StreamRefusal(.timeout, "A message was still incomplete \(messageDeadline.nanoseconds / 1_000_000_000) s after its first byte.")
        }
    }
}

/// Writes `StreamMessage`s.
struct StreamMessageEncoder: MessageToByteEncoder {
    typealias OutboundIn = StreamMessage

    func encode(data: StreamMessage, out: inout ByteBuffer) throws {
        out.writeBytes(StreamCodec.encode(data))
    }
}
