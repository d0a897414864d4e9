public import Foundation
public import Logging
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix
public import NIOSSL
import PsrecFormat
public import PsrecStream

/// Where recordings are sent, and how the capture host proves who it is.
public struct UploadTarget: Sendable {
    public var host: String
    public var port: Int
    /// TLS towards the server; nil only for a loopback server started with
    /// `--insecure-loopback`.
    public var tls: NIOSSLContext?
    /// The server's name as its certificate gives it (defaults to `host`).
    public var serverName: String?
    /// The capture host's token (`psrec host add`).
    public var token: [UInt8]

    public init(host: String, port: Int, tls: NIOSSLContext?, serverName: String? = nil, token: [UInt8]) {
        self.host = host
        self.port = port
        self.tls = tls
        self.serverName = serverName
        self.token = token
    }
}

/// What an upload achieved.
public struct UploadResult: Sendable, Equatable {
    /// Bytes of the file the server holds, and whether it holds the trailer.
    public var position: StreamPosition
    /// Chunks (and trailer) sent in this upload.
    public var segmentsSent: Int
    /// Connections made (1 when nothing failed).
    public var connections: Int
}

/// Sends one spooled `.psrec` file to the server: what the server lacks of it, from the
/// local file, chunk by chunk as the protocol says, resuming after a dropped connection
/// from the server's welcome.
///
/// While `following`, the file is still being written: the uploader sends each chunk as
/// soon as it is whole and waits for more, until `finish()` says the recorder has stopped;
/// then it sends the rest, and the trailer or (a recorder that stopped without one) `end`.
public final class StreamUploader: Sendable {
    let target: UploadTarget
    let path: String
    let logger: Logger
    let following = NIOLockedValueBox(false)
    /// Most bytes sent and not yet acknowledged.
    let window: Int
    /// Delay before each reconnection, doubled up to `maxBackoff`.
    let initialBackoff: TimeAmount
    let maxBackoff: TimeAmount
    /// Connection attempts after a failure before giving up (nil: for ever while following).
    let maxAttempts: Int?
    /// A connection owing acks that receives nothing for this long is dropped and made again
    /// (a server gone without a reset, a half-open connection).
    let ackTimeout: TimeAmount
    /// While following: what wakes the uploader when the file grows or the recorder stops.
    let watch: SpoolWatch?
    /// While following, the longest wait before the file is looked at again: the watch wakes
    /// the uploader sooner when it can.
    let followTimeout: TimeAmount

    public init(target: UploadTarget, path: String, following: Bool = false, logger: Logger,
                window: Int = 8 << 20, initialBackoff: TimeAmount = .milliseconds(200), maxBackoff: TimeAmount = .seconds(10),
                maxAttempts: Int? = 6, ackTimeout: TimeAmount = .seconds(60), followTimeout: TimeAmount? = nil) {
        self.target = target
        self.path = path
        self.logger = logger
        self.window = window
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxAttempts = maxAttempts
        self.ackTimeout = ackTimeout
        self.following.withLockedValue { $0 = following }
        let watch = following ? SpoolWatch(path: path) : nil
        self.watch = watch
        // Without a watch on the file (no inotify), it is looked at every 20 ms.
        self.followTimeout = followTimeout ?? (watch?.watchesFile == true ? .milliseconds(250) : .milliseconds(20))
    }

    /// The recorder has stopped writing the file: send the rest and end. Wakes the uploader
    /// at once, so the end of a session waits for no polling period.
    public func finish() {
        following.withLockedValue { $0 = false }
        watch?.wake()
    }

    /// Waits until the file may have grown or the recorder has stopped (at most
    /// `followTimeout`).
    /// - Throws: `CancellationError` when the task is cancelled.
    func awaitChange() async throws {
        if let watch {
            await watch.sleep(upTo: followTimeout)
            try Task.checkCancellation()
        } else {
            try await Task.sleep(nanoseconds: UInt64(followTimeout.nanoseconds))
        }
    }

    var isFollowing: Bool { following.withLockedValue { $0 } }

    /// Uploads until the server has all the file holds (and, while following, until
    /// `finish()`), reconnecting with backoff after failures that retrying can mend.
    /// - Throws: `UploadError`.
    public func run() async throws(UploadError) -> UploadResult {
        let spool = try SpoolFile(path: path)
        var failures = 0
        var connections = 0
        var sent = 0
        var backoff = initialBackoff
        while true {
            connections += 1
            do {
                let (position, count) = try await session(spool)
                sent += count
                return UploadResult(position: position, segmentsSent: sent, connections: connections)
            } catch let error as UploadError {
                if case .refused = error.code { throw error }
                if error.code == .notARecording || error.code == .cannotRead || error.code == .protocolViolation { throw error }
                failures += 1
                if let maxAttempts, failures >= maxAttempts, !isFollowing {
                    throw UploadError(.unreachable, "Gave up sending \(path) after \(failures) attempts: \(error.message)")
                }
                logger.notice("upload interrupted; retrying", metadata: ["file": "\(path)", "reason": "\(error.message)", "in": "\(backoff.nanoseconds / 1_000_000) ms"])
            } catch {
                failures += 1
                if let maxAttempts, failures >= maxAttempts, !isFollowing {
                    throw UploadError(.unreachable, "Gave up sending \(path) after \(failures) attempts: \(error).")
                }
                logger.notice("upload interrupted; retrying", metadata: ["file": "\(path)", "reason": "\(error)", "in": "\(backoff.nanoseconds / 1_000_000) ms"])
            }
            try? await Task.sleep(nanoseconds: UInt64(backoff.nanoseconds))
            backoff = min(backoff * 2, maxBackoff)
        }
    }

    /// One connection: hello, then the chunks the server lacks, until done.
    /// - Returns: the server's last position and the segments sent.
    func session(_ spool: SpoolFile) async throws -> (StreamPosition, Int) {
        // The head must be whole before anything can be sent.
        var head: [UInt8]?
        while true {
            head = try spool.head()
            if head != nil { break }
            guard isFollowing else { throw UploadError(.notARecording, "\(path) ends before its metadata is whole.") }
            try await awaitChange()
        }
        let channel = try await connect()
        return try await channel.executeThenClose { inbound, outbound in
            var replies = inbound.makeAsyncIterator()
            try await outbound.write(.hello(version: StreamLimits.version, token: target.token, head: head!))
            guard let first = try await replies.next() else { throw UploadError(.unreachable, "The server closed the connection after the hello.") }
            var position: StreamPosition
            switch first {
            case .welcome(let p): position = p
            case .error(let code, let sentence): throw Self.refusal(code, sentence)
            default: throw UploadError(.protocolViolation, "The server answered the hello with a \(first.type) message.")
            }
            if position.complete { return (position, 0) }
            var offset = position.committedBytes
            guard offset >= Int64(head!.count) else { throw UploadError(.protocolViolation, "The server holds \(offset) bytes, fewer than the head it welcomed.") }
            var inFlight: [(end: Int64, last: Bool)] = []
            var sent = 0
            var ended = false
            // An `end` is answered by a welcome, not an ack: it adds no bytes, so it is not
            // settled by the ack of the chunk before it.
            var endUnanswered = false
            func awaitAck() async throws {
                guard let reply = try await replies.next() else { throw UploadError(.unreachable, "The server closed the connection.") }
                switch reply {
                case .ack(_, let p), .welcome(let p):
                    position = p
                    if case .welcome = reply { endUnanswered = false }
                    while let first = inFlight.first, first.end <= p.committedBytes, !(first.last && endUnanswered && inFlight.count == 1) {
                        inFlight.removeFirst()
                    }
                case .error(let code, let sentence):
                    throw Self.refusal(code, sentence)
                default:
                    throw UploadError(.protocolViolation, "The server sent a \(reply.type) message where an ack belongs.")
                }
            }
            do {
                while !ended {
                    let inFlightBytes = Int(offset - position.committedBytes)
                    if inFlightBytes > window || inFlight.count >= 1024 {
                        try await awaitAck()
                        continue
                    }
                    let following = isFollowing
                    switch try spool.segment(at: offset) {
                    case .chunk(let bytes):
                        try await outbound.write(.chunk(offset: offset, bytes: bytes))
                        offset += Int64(bytes.count)
                        inFlight.append((offset, false))
                        sent += 1
                    case .trailer(let bytes):
                        try await outbound.write(.trailer(offset: offset, bytes: bytes))
                        offset += Int64(bytes.count)
                        inFlight.append((offset, true))
                        sent += 1
                        ended = true
                    case .incomplete:
                        if following {
                            // Acks that have arrived are taken while waiting for the recorder.
                            if !inFlight.isEmpty { try await awaitAck(); continue }
                            try await awaitChange()
                            continue
                        }
                        // The recorder stopped without a trailer: the file ends here.
                        try await outbound.write(.end(offset: offset))
                        inFlight.append((offset, true))
                        endUnanswered = true
                        ended = true
                    case .damaged(let why):
                        if following { try await awaitChange(); continue }
                        try await outbound.write(.end(offset: offset))
                        inFlight.append((offset, true))
                        endUnanswered = true
                        logger.warning("the local file is damaged; the server keeps what comes before", metadata: ["file": "\(path)", "where": "\(why)"])
                        ended = true
                    }
                }
                while !inFlight.isEmpty { try await awaitAck() }
            } catch let error where !(error is UploadError) && !channel.channel.isActive {
                // A write failed: the server may have refused a chunk and closed while more
                // were on their way. Its refusal, already received, says why.
                while let reply = try? await replies.next() {
                    if case .error(let code, let sentence) = reply { throw Self.refusal(code, sentence) }
                }
                throw error
            }
            return (position, sent)
        }
    }

    func connect() async throws -> NIOAsyncChannel<StreamMessage, StreamMessage> {
        let target = self.target, ackTimeout = self.ackTimeout
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls = target.tls {
                            try sync.addHandler(NIOSSLClientHandler(context: tls, serverHostname: Self.sniName(target.serverName ?? target.host)))
                        }
                        try sync.addHandler(ByteToMessageHandler(StreamMessageDecoder(fromHost: false, messageDeadline: .seconds(120))))
                        try sync.addHandler(MessageToByteHandler(StreamMessageEncoder()))
                        try sync.addHandler(IdleStateHandler(readTimeout: ackTimeout))
                        try sync.addHandler(StallGuard())
                        return try NIOAsyncChannel<StreamMessage, StreamMessage>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw UploadError(.unreachable, "Cannot connect to \(target.host):\(target.port): \(error).")
        }
    }

    /// TLS server name indication is for names, not addresses.
    static func sniName(_ name: String) -> String? {
        (try? SocketAddress(ipAddress: name, port: 0)) == nil ? name : nil
    }

    static func refusal(_ code: StreamErrorCode, _ sentence: String) -> UploadError {
        code.isRetryable ? UploadError(.unreachable, "The server said: \(sentence)") : UploadError(.refused(code), "The server refused: \(sentence)")
    }
}

extension StreamUploader {
    /// Asks the server whether sessions of `application` are recorded, and under which
    /// policy (`query`, `Spec/protocol.md`).
    /// - Returns: recording on or off, and whether the policy is strict.
    /// - Throws: `UploadError`: `.unreachable` when the server cannot be asked.
    public static func policy(of application: String, target: UploadTarget) async throws(UploadError) -> (recording: Bool, strict: Bool) {
        let uploader = StreamUploader(target: target, path: "", logger: Logger(label: "psrec.query", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            let channel = try await uploader.connect()
            return try await channel.executeThenClose { inbound, outbound in
                var replies = inbound.makeAsyncIterator()
                try await outbound.write(.query(version: StreamLimits.version, token: target.token, application: application))
                switch try await replies.next() {
                case .policy(let recording, let strict)?: return (recording, strict)
                case .error(let code, let sentence)?: throw refusal(code, sentence)
                case let other?: throw UploadError(.protocolViolation, "The server answered a query with a \(other.type) message.")
                case nil: throw UploadError(.unreachable, "The server closed the connection after the query.")
                }
            }
        } catch let error as UploadError {
            throw error
        } catch {
            throw UploadError(.unreachable, "Cannot ask \(target.host):\(target.port): \(error).")
        }
    }
}

/// Closes a capture host's connection that owes it replies and has received nothing for the
/// read timeout: a server gone without a reset would otherwise hold the uploader for ever.
/// A connection that owes nothing (a quiet session, nothing sent) is left alone.
final class StallGuard: ChannelDuplexHandler {
    typealias InboundIn = StreamMessage
    typealias InboundOut = StreamMessage
    typealias OutboundIn = StreamMessage
    typealias OutboundOut = StreamMessage

    /// Messages sent and not yet answered (each gets one reply).
    private var owed = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        owed = max(0, owed - 1)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        owed += 1
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, owed > 0 {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
