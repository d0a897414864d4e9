import Foundation
import Logging
import NIOCore
@testable import PsrecNetwork
import PsrecStream
import PsrecTestSupport
import Testing

/// A TCP proxy between capture hosts and the server that breaks connections as networks do:
/// cut after a random number of bytes in either direction, reset, or stall.
final class FaultProxy: @unchecked Sendable {
    enum Fault: CaseIterable { case none, cutUp, cutDown, reset, stall, stallDown }

    let port: Int
    private let listener: Int32
    private let target: Int
    private let lock = NSLock()
    private var generator: SeededGenerator
    private var stopped = false
    /// Faults injected, by kind.
    private(set) var injected: [Fault: Int] = [:]

    init(to target: Int, seed: UInt64) throws {
        self.target = target
        generator = SeededGenerator(seed: seed)
        (listener, port) = Self.listen()
        Thread.detachNewThread { self.accept() }
    }

    /// A TCP socket listening on a free loopback port, and the port.
    static func listen() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        Glibc.listen(fd, 64)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    func stop() {
        lock.lock(); stopped = true; lock.unlock()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    var faults: [Fault: Int] { lock.lock(); defer { lock.unlock() }; return injected }

    private func accept() {
        while true {
            let client = Glibc.accept(listener, nil, nil)
            if client < 0 { return }
            lock.lock()
            let fault = stopped ? .none : Fault.allCases.randomElement(using: &generator)!
            // Bytes passed before the fault: up to a few chunks upstream, a few acks downstream.
            let budget = fault == .cutDown || fault == .stallDown ? Int.random(in: 1...200, using: &generator) : Int.random(in: 1...6000, using: &generator)
            injected[fault, default: 0] += 1
            lock.unlock()
            guard let server = try? RawClient(port: target) else { close(client); continue }
            let upstream = server.fd
            let pair = ConnectionPair(client: client, server: upstream, keep: server)
            Thread.detachNewThread { pair.pump(from: client, to: upstream, fault: fault, budget: budget, up: true) }
            Thread.detachNewThread { pair.pump(from: upstream, to: client, fault: fault, budget: budget, up: false) }
        }
    }
}

/// The two sockets of one proxied connection.
final class ConnectionPair: @unchecked Sendable {
    let client: Int32, server: Int32
    let keep: RawClient
    private let lock = NSLock()
    private var closed = false

    init(client: Int32, server: Int32, keep: RawClient) {
        self.client = client
        self.server = server
        self.keep = keep
    }

    func pump(from: Int32, to: Int32, fault: FaultProxy.Fault, budget: Int, up: Bool) {
        var buffer = [UInt8](repeating: 0, count: 8192)
        var passed = 0
        while true {
            let n = read(from, &buffer, buffer.count)
            if n <= 0 { break }
            var count = n
            let cuts = (fault == .cutUp && up) || (fault == .cutDown && !up) || fault == .reset
            if cuts && passed + n > budget { count = max(0, budget - passed) }
            if fault == .stall && up && passed + n > budget {
                // Forward nothing more and hold the connection open: the server's idle timeout ends it.
                Thread.sleep(forTimeInterval: 3)
                break
            }
            if fault == .stallDown && !up && passed + n > budget {
                // Acks stop arriving, the connection stays open (a server gone without a
                // reset): the capture host's ack timeout ends it, long before this does
                // (the test's time limit fails an uploader that waits for it).
                Thread.sleep(forTimeInterval: 300)
                break
            }
            var at = 0
            while at < count {
                let w = buffer[at..<count].withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                if w <= 0 { break }
                at += w
            }
            passed += count
            if count < n { break }
        }
        end(reset: fault == .reset)
    }

    private func end(reset: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard !closed else { return }
        closed = true
        if reset {
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        }
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
        close(client)
    }
}

@Suite struct FaultProxyTests {
    @Test("Through a proxy that cuts, resets and stalls connections: every recording completes, byte for byte, and nothing acknowledged is lost",
          .timeLimit(.minutes(2)), arguments: [1, 2])
    func recordingsSurviveABrokenNetwork(seed: Int) async throws {
        print("FaultProxyTests seed \(seed)")
        let server = try await TestServer(idleTimeout: .seconds(10))
        defer { Task { await server.stop() } }
        let proxy = try FaultProxy(to: server.port, seed: UInt64(seed))
        defer { proxy.stop() }
        let token = try server.token("gw-faults")
        var files: [(String, UUID)] = []
        for n in 0..<10 { files.append(try TestRecordings.write(in: server.dir, name: "f\(n)", chunks: 20 + 3 * n, bytesPerChunk: 1500, seed: UInt64(seed * 100 + n))) }
        let target = UploadTarget(host: "127.0.0.1", port: proxy.port, tls: nil, token: token)
        // The uploaders run on threads of their own: the shared cooperative threads may all be
        // blocked by other tests of this process.
        let executor = DedicatedExecutor(threads: 2, name: "test-uploaders")
        defer { executor.shutdown() }
        let results = try await withTaskExecutorPreference(executor) { try await withThrowingTaskGroup(of: UploadResult.self) { group in
            for (path, _) in files {
                group.addTask {
                    try await StreamUploader(target: target, path: path, logger: IngestServerTests.quiet, initialBackoff: .milliseconds(20),
                                             maxBackoff: .milliseconds(200), maxAttempts: 200, ackTimeout: .seconds(3)).run()
                }
            }
            var all: [UploadResult] = []
            for try await result in group { all.append(result) }
            return all
        } }
        #expect(results.allSatisfy { $0.position.complete })
        #expect(results.reduce(0) { $0 + $1.connections } > files.count, "no connection failed: the proxy injected nothing")
        print("FaultProxyTests: faults \(proxy.faults), connections \(results.reduce(0) { $0 + $1.connections })")
        for (path, id) in files {
            let stored = try server.stored(id)
            #expect(stored.bytes == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), "\(path)")
            #expect(stored.status == "complete")
        }
    }
}
