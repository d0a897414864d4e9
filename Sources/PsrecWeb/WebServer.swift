public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOConcurrencyHelpers
import NIOCore
public import PsrecCatalog
public import ServiceLifecycle

/// The web application as a service of `psrec serve`: Hummingbird's HTTP/1.1 server, over
/// TLS unless the configuration has none (plain HTTP, which the command allows on loopback
/// only). Stops with the service group: graceful shutdown lets requests in flight finish.
public struct WebServer: Service {
    private let application: Hummingbird.Application<WebApplication>
    private let bound: BoundPort
    /// The application answering the requests (the tests look at its thread pools).
    let responder: WebApplication
    /// Where the server's tasks (Hummingbird's connection and request tasks inherit it) run:
    /// the shared cooperative pool when nil. A test process passes threads of its own, since
    /// its other tests block cooperative threads while they wait for child processes.
    private let executor: (any TaskExecutor)?

    /// - Throws: when the TLS configuration cannot be used.
    public init(configuration: WebConfiguration, catalog: Catalog, logger: Logger, executor: (any TaskExecutor)? = nil) throws {
        self.executor = executor
        let responder = WebApplication(configuration: configuration, catalog: catalog, logger: logger)
        self.responder = responder
        let bound = BoundPort()
        // A connection that sends no whole request head for `idleTimeout` (nothing, or a
        // header a byte at a time) is closed, and one address holds at most
        // `maxConnectionsPerAddress` connections at once: slow clients cannot use up the
        // server's file descriptors.
        let cap = ConnectionCap(limit: configuration.maxConnectionsPerAddress)
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [ConnectionCapHandler(cap)],
                                                                 idleTimeout: .seconds(configuration.idleTimeoutSeconds)))
        let server: HTTPServerBuilder = try configuration.tls.map { try .tls(http1, tlsConfiguration: $0) } ?? http1
        application = Hummingbird.Application(
            responder: responder,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in bound.set(channel.localAddress?.port ?? 0) },
            logger: logger)
        self.bound = bound
    }

    public func run() async throws {
        try await withTaskExecutorPreference(executor) { try await application.run() }
    }

    /// The port the server listens on, once it does (the configured one, or the one the
    /// system chose for port 0).
    public func boundPort() async -> Int {
        await bound.value()
    }
}

/// A port known once the server has bound its socket; waited for by whoever announces it.
private final class BoundPort: Sendable {
    private let state = NIOLockedValueBox<(port: Int?, waiting: [CheckedContinuation<Int, Never>])>((nil, []))

    func set(_ port: Int) {
        let waiting = state.withLockedValue { state in
            state.port = port
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume(returning: port) }
    }

    func value() async -> Int {
        await withCheckedContinuation { continuation in
            let known = state.withLockedValue { state -> Int? in
                if let port = state.port { return port }
                state.waiting.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }
}

/// How many connections each client address holds now.
final class ConnectionCap: Sendable {
    private let open = NIOLockedValueBox<[String: Int]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a connection from `address`; false (not counted) past the limit.
    func acquire(_ address: String) -> Bool {
        open.withLockedValue { table in
            let count = table[address, default: 0]
            guard count < limit else { return false }
            table[address] = count + 1
            return true
        }
    }

    func release(_ address: String) {
        open.withLockedValue { table in
            let count = table[address, default: 0] - 1
            table[address] = count > 0 ? count : nil
        }
    }

    var count: Int { open.withLockedValue { $0.values.reduce(0, +) } }
}

/// Closes a connection that would take its address past the cap; counts it down when it
/// closes. Data passes through untouched.
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny
    private let cap: ConnectionCap
    private var address: String?

    init(_ cap: ConnectionCap) { self.cap = cap }

    func handlerAdded(context: ChannelHandlerContext) {
        let peer = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if cap.acquire(peer) {
            address = peer
        } else {
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) { done() }

    func channelInactive(context: ChannelHandlerContext) {
        done()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    private func done() {
        if let address { cap.release(address) }
        address = nil
    }
}
