import Foundation
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
///
/// On the server: until a `hello` has come, only `hello` and `query` are accepted (a peer
/// without a token cannot make the server wait for a 32 MiB chunk), and a message body
/// larger than `ByteBudget.smallMessage` is waited for only while the server's budget of
/// bytes held for incomplete messages has room for it (else `unavailable`).
struct StreamMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = StreamMessage

    /// Only messages of this direction are accepted.
    let fromHost: Bool
    let messageDeadline: TimeAmount
    /// The server's budget (nil on the capture host's side).
    let budget: ByteBudget?
    private var partialSince: NIODeadline?
    private var helloSeen = false
    /// Bytes of `budget` this connection holds for the message it is receiving.
    private var reserved = 0

    init(fromHost: Bool, messageDeadline: TimeAmount, budget: ByteBudget? = nil) {
        self.fromHost = fromHost
        self.messageDeadline = messageDeadline
        self.budget = budget
        helloSeen = !fromHost
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
        guard helloSeen || type == .hello || type == .query else {
            throw StreamRefusal(.malformed, "A \(type) message before any hello: a connection begins with hello or query.")
        }
        guard buffer.readableBytes >= StreamLimits.prefixBytes + bodyLength else {
            if let budget, reserved == 0, bodyLength > ByteBudget.smallMessage {
                guard budget.reserve(bodyLength) else {
                    throw StreamRefusal(.unavailable, "The server is receiving too much at once; send this again later.")
                }
                reserved = bodyLength
            }
            try checkDeadline()
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: StreamLimits.prefixBytes)
        let body = buffer.readBytes(length: bodyLength) ?? []
        partialSince = nil
        releaseReservation()
        if type == .hello { helloSeen = true }
        do {
            context.fireChannelRead(wrapInboundOut(try StreamCodec.decodeBody(type: type, body)))
        } catch {
            throw StreamRefusal(.malformed, error.message)
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        defer { releaseReservation() }
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        releaseReservation()
    }

    private mutating func releaseReservation() {
        if reserved > 0 { budget?.release(reserved) }
        reserved = 0
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

/// Bytes the server may hold at once for messages still arriving, shared by its connections.
final class ByteBudget: @unchecked Sendable {
    /// Bodies up to this size are received without asking the budget.
    static let smallMessage = 64 << 10

    private let lock = NSLock()
    private var available: Int

    init(bytes: Int) { available = bytes }

    /// Takes `bytes`; false when there is not that much room.
    func reserve(_ bytes: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard bytes <= available else { return false }
        available -= bytes
        return true
    }

    func release(_ bytes: Int) {
        lock.lock()
        available += bytes
        lock.unlock()
    }
}
