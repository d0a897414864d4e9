import Foundation
public import Logging
public import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
public import NIOSSL
public import PsrecCatalog
import PsrecFormat
import PsrecStream
public import ServiceLifecycle

/// `psrec serve`'s ingest side: capture hosts stream recordings over TLS
/// (`Spec/protocol.md`), and each chunk is acknowledged once the catalog has committed it
/// to disk.
///
/// Built on SwiftNIO (`NIOAsyncChannel`, one task per connection) with swift-nio-ssl, run
/// as a swift-service-lifecycle `Service`: on SIGTERM it stops accepting, lets each
/// connection finish and acknowledge the message it is storing, tells it the server is
/// stopping, and returns.
public final class IngestServer: Service, Sendable {
    /// What the server is told at start.
    public struct Configuration: Sendable {
        /// Address and port to listen on.
        public var host: String
        public var port: Int
        /// TLS; nil only on a loopback address (`--insecure-loopback`).
        public var tls: NIOSSLContext?
        /// Capture hosts are known by their TLS client certificate (`--client-ca`): `tls`
        /// requires and verifies one, and the host is the one its subject common name names
        /// (`ClientCertificate`, `Spec/protocol.md#authentication`). Needs `tls`.
        public var clientCertificates = false
        /// A connection that sends nothing for this long is closed (with `timeout`).
        public var idleTimeout: TimeAmount = .seconds(60)
        /// A message still incomplete this long after its first byte is refused.
        public var messageDeadline: TimeAmount = .seconds(120)
        /// A live recording with no chunk for this long becomes `interrupted`.
        public var interruptedAfter: TimeAmount = .seconds(120)
        /// Most connections at once; more are closed as they arrive.
        public var maxConnections = 1024
        /// Threads that make the catalog's blocking calls (its writes are serialised anyway;
        /// more threads let reads and checks overlap them).
        public var catalogThreads = 4
        /// Bytes held at once, all connections together, for messages still arriving beyond
        /// 64 KiB each; past it a connection is refused with `unavailable`.
        public var maxBufferedBytes = 256 << 20
        /// Refusals written to the audit log per peer address and minute; the rest are counted
        /// in one row when the next minute's first refusal is written.
        public var auditedRefusalsPerMinute = 10
        /// How long a connection's lease on its recording lasts unrenewed
        /// (`Catalog+Leases`): the server renews its connections' leases every third of it,
        /// so this is how long a recording whose server went away (killed, its machine
        /// lost) waits before another server sharing the catalog may take it over.
        public var leaseSeconds: Double = 15

        public init(host: String, port: Int, tls: NIOSSLContext?) {
            self.host = host
            self.port = port
            self.tls = tls
        }
    }

    let configuration: Configuration
    let catalog: SharedCatalog
    let logger: Logger
    let bound: NIOLockedValueBox<(port: Int?, waiters: [CheckedContinuation<Int, any Error>])> = .init((nil, []))
    let connections = NIOLockedValueBox(0)
    /// This server's own threads for catalog calls, so that neither the event loops nor
    /// another server in the process wait on them.
    let threadPool: NIOThreadPool
    let budget: ByteBudget
    let refusalLimiter: RefusalLimiter
    /// Stores every connection's chunks, together (group commit across connections).
    let writer: IngestWriter
    /// This server, as its connections' leases name it: the process and one server in it.
    let identity = "\(Catalog.processIdentity) server \(UUID().uuidString.prefix(4).lowercased())"
    private let connectionNumbers = NIOLockedValueBox(0)
    /// The leases of connections open now that began a recording: renewed while they live.
    let openLeases = NIOLockedValueBox(Set<String>())

    /// A lease for a new connection: "… connection N".
    func newLease() -> CatalogLease {
        let number = connectionNumbers.withLockedValue { $0 += 1; return $0 }
        return CatalogLease(owner: "\(identity) connection \(number)", server: identity, seconds: configuration.leaseSeconds)
    }

    /// A server for `catalog`, opened with synchronous commits.
    public init(configuration: Configuration, catalog: Catalog, logger: Logger) {
        precondition(!configuration.clientCertificates || configuration.tls != nil, "client certificates need TLS")
        self.configuration = configuration
        self.catalog = SharedCatalog(catalog)
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.catalogThreads))
        budget = ByteBudget(bytes: configuration.maxBufferedBytes)
        refusalLimiter = RefusalLimiter(perMinute: configuration.auditedRefusalsPerMinute)
        writer = IngestWriter(catalog: self.catalog)
    }

    /// Builds a completed recording's terminal text on the catalog threads (`search --text`
    /// finds it once done; `psrec index` does it if the server stops first).
    func indexTextLater(_ id: UUID) {
        let catalog = self.catalog, logger = self.logger
        threadPool.submit { state in
            guard state == .active else { return }
            do {
                let recording = try catalog.value.recording(id.uuidString.lowercased())
                _ = try catalog.value.indexText(of: recording, actor: "psrec serve")
            } catch {
                logger.error("cannot index a recording's text", metadata: ["recording": "\(id)", "error": "\(error)"])
            }
        }
    }

    /// Logs a refusal and writes it to the audit log, at most `auditedRefusalsPerMinute` rows
    /// per peer address and minute (a flood of bad tokens must not become a flood of
    /// synchronous writes); what was held back is counted in the next row written.
    func auditRefusal(_ refusal: StreamRefusal, host: String?, peer: String) {
        let reason = UnsafeScalars.escape(refusal.message)
        logger.notice("refused", metadata: ["peer": "\(peer)", "host": "\(host ?? "-")", "code": "\(refusal.code)", "reason": "\(reason)"])
        guard let held = refusalLimiter.admit(peer: RefusalLimiter.address(of: peer)) else { return }
        let catalog = self.catalog, logger = self.logger
        let note = held > 0 ? " (and \(held) refusals from this address not written one by one)" : ""
        let row = PendingAudit(host: host, peer: peer, code: "\(refusal.code)", reason: reason + note)
        let pending = self.pendingAudits
        threadPool.submit { state in
            guard state == .active else { return }
            // Rows a full disk kept back go first, then this one; what fails waits again.
            let rows = pending.withLockedValue { rows in defer { rows = [] }; return rows } + [row]
            for (n, row) in rows.enumerated() {
                do {
                    try catalog.value.auditIngestRefusal(host: row.host, peer: row.peer, code: row.code, reason: row.reason)
                } catch {
                    logger.error("cannot audit a refusal yet; it is kept to be written with the next one", metadata: ["error": "\(error)"])
                    pending.withLockedValue { kept in
                        kept = Array((kept + rows[n...]).suffix(Self.maxPendingAudits))
                    }
                    return
                }
            }
        }
    }

    /// A refusal's audit row not written yet (the catalog's disk was full).
    struct PendingAudit: Sendable {
        var host: String?
        var peer: String
        var code: String
        var reason: String
    }

    /// Refusals kept for the audit log while it cannot be written, at most; older ones are
    /// dropped first (the log says so for each).
    static let maxPendingAudits = 1000
    let pendingAudits = NIOLockedValueBox<[PendingAudit]>([])

    /// The port bound (useful with port 0), once listening.
    public func boundPort() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            bound.withLockedValue { state in
                if let port = state.port { continuation.resume(returning: port) } else { state.waiters.append(continuation) }
            }
        }
    }

    public func run() async throws {
        threadPool.start()
        defer { threadPool.shutdownGracefully { _ in } }
        writer.start()
        // After the connections have ended: what they submitted is stored first.
        defer { writer.stop() }
        // The server's tasks run on threads of their own (see `DedicatedExecutor`); the
        // executor's threads end when the server has (the executor is kept alive by them).
        let executor = DedicatedExecutor(threads: 2, name: "psrec-ingest")
        defer { executor.shutdown() }
        try await withTaskExecutorPreference(executor) { try await self.serve() }
    }

    func serve() async throws {
        let configuration = self.configuration
        let server: NIOAsyncChannel<NIOAsyncChannel<IngestInbound, StreamMessage>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls = configuration.tls {
                            try sync.addHandler(NIOSSLServerHandler(context: tls))
                            if configuration.clientCertificates {
                                try sync.addHandler(HandshakeRefusalHandler { [weak self] refusal, peer in self?.auditRefusal(refusal, host: nil, peer: peer) })
                            }
                        }
                        try sync.addHandler(IdleStateHandler(readTimeout: configuration.idleTimeout))
                        try sync.addHandler(ByteToMessageHandler(StreamMessageDecoder(fromHost: true, messageDeadline: configuration.messageDeadline,
                                                                                      budget: self.budget)))
                        try sync.addHandler(MessageToByteHandler(StreamMessageEncoder()))
                        try sync.addHandler(RefusalHandler { [weak self] refusal, peer in self?.auditRefusal(refusal, host: nil, peer: peer) })
                        try sync.addHandler(ChunkBatcher())
                        return try NIOAsyncChannel<IngestInbound, StreamMessage>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2)))
                    }
                }
        } catch {
            bound.withLockedValue { state in
                for waiter in state.waiters { waiter.resume(throwing: error) }
                state.waiters = []
            }
            throw error
        }
        let port = server.channel.localAddress?.port ?? configuration.port
        bound.withLockedValue { state in
            state.port = port
            for waiter in state.waiters { waiter.resume(returning: port) }
            state.waiters = []
        }
        do {
            let released = try catalog.value.releaseLeasesOfGoneProcesses()
            if released > 0 { logger.notice("took back the recordings of a server that ran here before", metadata: ["leases": "\(released)"]) }
        } catch {
            logger.warning("cannot let go of the leases of servers gone from this machine; they expire by themselves", metadata: ["error": "\(error)"])
        }
        logger.info("listening", metadata: ["address": "\(configuration.host)", "port": "\(port)", "tls": "\(configuration.tls != nil)",
                                           "client-certificates": "\(configuration.clientCertificates)"])
        let serverChannel = server.channel
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await self.markInterruptedPeriodically() }
                group.addTask { await self.renewLeasesPeriodically() }
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        let admitted = connections.withLockedValue { count in
                            guard count < configuration.maxConnections else { return false }
                            count += 1
                            return true
                        }
                        guard admitted else {
                            logger.warning("connection refused: too many connections", metadata: ["limit": "\(configuration.maxConnections)"])
                            try? await connection.channel.close()
                            continue
                        }
                        group.addTask {
                            defer { self.connections.withLockedValue { $0 -= 1 } }
                            await IngestConnection(server: self, connection: connection).run()
                        }
                    }
                }
                // No more connections are accepted; the periodic task ends with shutdown.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.logger.info("stopping: no new connections; finishing what is in flight")
            serverChannel.close(promise: nil)
        }
        logger.info("stopped")
    }

    /// Renews the leases of this server's connections every third of `leaseSeconds`, until
    /// cancelled or shut down (the connections then end, and let go of them).
    func renewLeasesPeriodically() async {
        let seconds = configuration.leaseSeconds
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(nanoseconds: UInt64(max(seconds / 3, 0.01) * 1e9))
            } catch { return }
            let catalog = self.catalog, owners = Array(openLeases.withLockedValue { $0 })
            guard !owners.isEmpty else { continue }
            do {
                _ = try await self.threadPool.runIfActive { try catalog.value.renewLeases(owners: owners, seconds: seconds) }
            } catch {
                logger.error("cannot renew the connections' leases", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Marks live recordings without a chunk for `interruptedAfter` as interrupted, every
    /// quarter of that time, until cancelled or shut down.
    func markInterruptedPeriodically() async {
        let period = configuration.interruptedAfter.nanoseconds / 4
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(nanoseconds: UInt64(max(period, 1_000_000)))
            } catch { return }
            let before = Int64(Date().timeIntervalSince1970 * 1_000_000) - configuration.interruptedAfter.nanoseconds / 1000
            let catalog = self.catalog
            do {
                let count = try await self.threadPool.runIfActive { try catalog.value.markInterrupted(seenBeforeMicros: before) }
                if count > 0 { logger.info("recordings interrupted", metadata: ["count": "\(count)"]) }
            } catch {
                logger.error("cannot mark interrupted recordings", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// The catalog, shared by the connection tasks. Its state is a GRDB database pool, which
/// serialises writes and runs reads concurrently; calls are made on `NIOThreadPool`.
final class SharedCatalog: @unchecked Sendable {
    let value: Catalog
    init(_ value: Catalog) { self.value = value }
}

/// Turns what the pipeline refuses (a malformed or stalled message, an idle connection) into
/// an `error` message, then closes. A connection is idle only while it owes the server a
/// message: not while the server is still storing one (each message gets one reply).
final class RefusalHandler: ChannelDuplexHandler {
    typealias InboundIn = StreamMessage
    typealias InboundOut = StreamMessage
    typealias OutboundIn = StreamMessage
    typealias OutboundOut = StreamMessage

    /// Messages passed on and not yet answered.
    private var unanswered = 0
    /// Told of each refusal made here, with the peer's address.
    let onRefusal: @Sendable (StreamRefusal, String) -> Void

    init(onRefusal: @escaping @Sendable (StreamRefusal, String) -> Void) {
        self.onRefusal = onRefusal
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        unanswered += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        unanswered = max(0, unanswered - 1)
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if unanswered > 0 { return }
            refuse(context: context, StreamRefusal(.timeout, "No message arrived in time; the connection is closed."))
            return
        }
        if event is ServerStopping {
            refuse(context: context, StreamRefusal(.shuttingDown, "The server is stopping; send the rest to it or another server later."))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let refusal = error as? StreamRefusal {
            refuse(context: context, refusal)
        } else if let refusal = (error as? ByteToMessageDecoderError).flatMap({ _ in StreamRefusal(.malformed, "The message stream cannot be decoded.") }) {
            refuse(context: context, refusal)
        } else {
            context.fireErrorCaught(error)
        }
    }

    func refuse(context: ChannelHandlerContext, _ refusal: StreamRefusal) {
        onRefusal(refusal, context.channel.remoteAddress.map { "\($0)" } ?? "unknown")
        let message = StreamMessage.error(refusal.code, refusal.message)
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(message)).whenComplete { _ in bound.value.close(promise: nil) }
        context.fireErrorCaught(refusal)
    }
}

/// Fired into a connection's pipeline when the server stops while the connection waits for
/// a message: it is told so and closed.
struct ServerStopping: Sendable {}

/// Counts refusals per peer address in one-minute windows (see
/// `IngestServer.auditRefusal`). At most 10 000 addresses are remembered; older windows
/// are forgotten first.
final class RefusalLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private let perMinute: Int
    private var windows: [String: (start: Date, written: Int, held: Int)] = [:]

    init(perMinute: Int) { self.perMinute = max(1, perMinute) }

    /// The address of `peer` without its port (`[IPv4]:port`, `[IPv6]:port` as NIO prints it).
    static func address(of peer: String) -> String {
        if let open = peer.firstIndex(of: "["), let close = peer.firstIndex(of: "]") { return String(peer[peer.index(after: open)..<close]) }
        return peer
    }

    /// Whether a refusal from `peer` is written now; if so, how many were held back before it.
    func admit(peer: String, now: Date = Date()) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        if windows.count > 10_000 { windows = windows.filter { now.timeIntervalSince($0.value.start) < 60 } }
        var window = windows[peer] ?? (now, 0, 0)
        if now.timeIntervalSince(window.start) >= 60 {
            let held = window.held
            windows[peer] = (now, 1, 0)
            return held
        }
        if window.written < perMinute {
            window.written += 1
            windows[peer] = window
            return 0
        }
        window.held += 1
        windows[peer] = window
        return nil
    }
}

/// What a connection's task receives: a message, or chunks that arrived together.
enum IngestInbound: Sendable {
    case message(StreamMessage)
    case chunks([(offset: Int64, bytes: [UInt8])])
}

/// Gathers chunk messages into one `.chunks`, which the catalog stores in one transaction:
/// one sync of the disk for all of them (group commit).
///
/// While the connection's task stores what it was given, the chunks that arrive meanwhile
/// are held here; when it is done (`ConsumerReady`) they go on together, so the number of
/// syncs follows how fast the disk syncs, not how the bytes were cut into reads. With the
/// task idle, chunks go on at the end of each read, at once. A batch goes on as soon as it
/// holds 256 chunks or 8 MiB (the channel's back pressure then stops reading). Any other
/// message goes on alone, after the chunks before it.
final class ChunkBatcher: ChannelInboundHandler {
    typealias InboundIn = StreamMessage
    typealias InboundOut = IngestInbound

    static let maxChunks = 256
    static let maxBytes = 8 << 20

    private var pending: [(offset: Int64, bytes: [UInt8])] = []
    private var bytes = 0
    /// True from passing something on until the connection's task says it is done with it.
    private var consumerBusy = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .chunk(let offset, let chunk) = message else {
            flush(context)
            consumerBusy = true
            context.fireChannelRead(wrapInboundOut(.message(message)))
            return
        }
        pending.append((offset, chunk))
        bytes += chunk.count
        if pending.count >= Self.maxChunks || bytes >= Self.maxBytes { flush(context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !consumerBusy { flush(context) }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ConsumerReady else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        consumerBusy = false
        guard !pending.isEmpty else { return }
        flush(context)
        // The channel's reader hands over what it was given at the end of a read.
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flush(context)
        context.fireChannelInactive()
    }

    private func flush(_ context: ChannelHandlerContext) {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending = []
        bytes = 0
        consumerBusy = true
        context.fireChannelRead(wrapInboundOut(.chunks(batch)))
    }
}

/// Fired into a connection's pipeline by its task when it has answered what it was given
/// and waits for more: the `ChunkBatcher` passes on the chunks it held meanwhile.
struct ConsumerReady: Sendable {}
