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
    /// Where the server's tasks (Hummingbird's connection and request tasks inherit it) run:
    /// the shared cooperative pool when nil. A test process passes threads of its own, since
    /// its other tests block cooperative threads while they wait for child processes.
    private let executor: (any TaskExecutor)?

    /// - Throws: when the TLS configuration cannot be used.
    public init(configuration: WebConfiguration, catalog: Catalog, logger: Logger, executor: (any TaskExecutor)? = nil) throws {
        self.executor = executor
        let responder = WebApplication(configuration: configuration, catalog: catalog, logger: logger)
        let bound = BoundPort()
        let server: HTTPServerBuilder = try configuration.tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
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
