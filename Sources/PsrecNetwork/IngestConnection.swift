import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PsrecCatalog
import PsrecFormat
import PsrecStream
import ServiceLifecycle

/// One capture host's connection: `hello` (or `query`), then the recording's chunks, each
/// stored by the catalog in one synchronous transaction before its `ack` is written.
/// Messages are handled one at a time, in order. Chunks that arrive while one is stored are
/// gathered by the `ChunkBatcher` and stored together next; reading stops when two batches
/// wait (the channel's back pressure), so a connection holds at most four of 8 MiB.
struct IngestConnection {
    let server: IngestServer
    let connection: NIOAsyncChannel<IngestInbound, StreamMessage>
    /// The connection's lease on the recording it streams (`Catalog+Leases`), let go when
    /// the connection ends.
    let lease: CatalogLease

    init(server: IngestServer, connection: NIOAsyncChannel<IngestInbound, StreamMessage>) {
        self.server = server
        self.connection = connection
        lease = server.newLease()
    }

    /// Where the conversation is.
    enum State {
        case opening
        case recording(host: String, id: UUID)
    }

    func run() async {
        let channel = connection.channel
        let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
        var logger = server.logger
        logger[metadataKey: "peer"] = "\(peer)"
        let busy = NIOLockedValueBox(false)
        let began = NIOLockedValueBox(false)
        do {
            try await withGracefulShutdownHandler {
                try await connection.executeThenClose { inbound, outbound in
                    var state = State.opening
                    for try await inboundItem in inbound {
                        busy.withLockedValue { $0 = true }
                        let (replies, done): ([StreamMessage], Bool)
                        switch inboundItem {
                        case .message(let message):
                            if case .hello = message {
                                began.withLockedValue { $0 = true }
                                _ = server.openLeases.withLockedValue { $0.insert(lease.owner) }
                            }
                            (replies, done) = await handle(message, state: &state, peer: peer, logger: logger)
                        case .chunks(let chunks): (replies, done) = await store(chunks, state: state, peer: peer, logger: logger)
                        }
                        for reply in replies { try await outbound.write(reply) }
                        busy.withLockedValue { $0 = false }
                        if done { return }
                        channel.pipeline.fireUserInboundEventTriggered(ConsumerReady())
                        if Task.isShuttingDownGracefully {
                            try await outbound.write(.error(.shuttingDown, "The server is stopping; send the rest to it or another server later."))
                            return
                        }
                    }
                }
            } onGracefulShutdown: {
                // Waiting for a message: told now. Storing one: told after its ack.
                if !busy.withLockedValue({ $0 }) { channel.pipeline.fireUserInboundEventTriggered(ServerStopping()) }
            }
        } catch is StreamRefusal {
            // Refused by the pipeline (RefusalHandler), which has logged and audited it.
        } catch {
            logger.debug("connection ended", metadata: ["error": "\(error)"])
        }
        if began.withLockedValue({ $0 }) {
            _ = server.openLeases.withLockedValue { $0.remove(lease.owner) }
            // Another connection (this host's next one, on this server or another) may take
            // the recording at once.
            let catalog = server.catalog, owner = lease.owner
            do {
                try await server.threadPool.runIfActive { try catalog.value.releaseLeases(owner: owner) }
            } catch {
                logger.warning("cannot let go of the connection's lease; it expires by itself", metadata: ["error": "\(error)"])
            }
        }
    }

    /// The replies to `message`, and whether the connection ends after them.
    func handle(_ message: StreamMessage, state: inout State, peer: String, logger: Logger) async -> ([StreamMessage], Bool) {
        let catalog = server.catalog
        func refuse(_ refusal: StreamRefusal, host: String?) -> ([StreamMessage], Bool) {
            server.auditRefusal(refusal, host: host, peer: peer)
            return ([.error(refusal.code, UnsafeScalars.escape(refusal.message))], true)
        }
        func onPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
            try await server.threadPool.runIfActive(work)
        }
        func authenticate(version: UInt16, token: [UInt8]) async throws -> String {
            guard version == StreamLimits.version else {
                throw StreamRefusal(.unsupportedVersion, "This server speaks protocol version \(StreamLimits.version), not \(version).")
            }
            let text = String(decoding: token, as: UTF8.self)
            guard server.configuration.clientCertificates else {
                guard let host = try await onPool({ try catalog.value.authenticateHost(token: text) }) else {
                    throw StreamRefusal(.unauthenticated, "The token is not one of a capture host's, or its host was revoked.")
                }
                return host
            }
            // The certificate says who the host is; a token, if sent too, must be that host's.
            let named = try ClientCertificate.hostName(of: await ClientCertificate.peerCertificate(of: connection.channel))
            guard let host = try await onPool({ try catalog.value.authenticateHost(certificateName: named) }) else {
                throw StreamRefusal(.unauthenticated, "The client certificate names \(named), which is not a capture host of this server, or its host was revoked.")
            }
            if !token.isEmpty, try await onPool({ try catalog.value.authenticateHost(token: text) }) != host {
                throw StreamRefusal(.unauthenticated, "The token sent is not that of \(host), the capture host the client certificate names.")
            }
            return host
        }
        var host: String?
        do {
            switch (message, state) {
            case (.query(let version, let token, let application), .opening):
                host = try await authenticate(version: version, token: token)
                let policy = try await onPool { try catalog.value.ingestPolicy(application: application) }
                return ([.policy(recording: policy.recording, strict: policy.strict)], false)
            case (.hello(let version, let token, let head), .opening):
                let name = try await authenticate(version: version, token: token)
                host = name
                let position = try await onPool { try catalog.value.beginIngest(host: name, head: head, actor: "host:\(name)", lease: lease) }
                state = .recording(host: name, id: position.recordingID)
                logger.info("recording opened", metadata: ["host": "\(name)", "recording": "\(position.recordingID)", "have": "\(position.committedBytes)"])
                return ([.welcome(Self.streamPosition(position))], false)
            case (.chunk(let offset, let bytes), .recording):
                return await store([(offset, bytes)], state: state, peer: peer, logger: logger)
            case (.trailer(let offset, let bytes), .recording(let name, let id)):
                host = name
                let started = ContinuousClock.now
                let position = try await onPool { try catalog.value.finishIngest(host: name, recordingID: id, offset: offset, trailer: bytes, deferText: true, lease: lease) }
                logger.info("recording complete", metadata: ["host": "\(name)", "recording": "\(id)", "bytes": "\(position.committedBytes)",
                                                             "settled-in": "\(ContinuousClock.now - started)"])
                // The terminal text is built after the ack, outside the write lock the trailer held.
                server.indexTextLater(id)
                return ([.ack(sequence: position.nextSequence &- 1, position: Self.streamPosition(position))], true)
            case (.end(let offset), .recording(let name, let id)):
                host = name
                let position = try await onPool { try catalog.value.endIngest(host: name, recordingID: id, offset: offset, lease: lease) }
                logger.info("recording ended without a trailer", metadata: ["host": "\(name)", "recording": "\(id)", "bytes": "\(position.committedBytes)"])
                return ([.welcome(Self.streamPosition(position))], true)
            default:
                throw StreamRefusal(.malformed, "A \(message.type) message is out of place here.")
            }
        } catch let refusal as StreamRefusal {
            return refuse(refusal, host: host)
        } catch let error as CatalogError {
            // The catalog writes its own audit row for a host refused a recording.
            let refusal = Self.refusal(for: error, catalogPath: catalog.value.path)
            if error.code == .ingestNotYours {
                logger.notice("refused", metadata: ["host": "\(host ?? "-")", "code": "\(refusal.code)", "reason": "\(UnsafeScalars.escape(refusal.message))"])
                return ([.error(refusal.code, UnsafeScalars.escape(refusal.message))], true)
            }
            return refuse(refusal, host: host)
        } catch {
            logger.error("cannot store", metadata: ["error": "\(error)"])
            return refuse(StreamRefusal(.internalError, "The server failed to store the message; retry later."), host: host)
        }
    }

    /// Chunks that arrived together, stored in one transaction (with other connections'
    /// chunks: `IngestWriter`); an ack for each stored, then the refusal of the first one
    /// that was not (which ends the connection).
    func store(_ chunks: [(offset: Int64, bytes: [UInt8])], state: State, peer: String, logger: Logger) async -> ([StreamMessage], Bool) {
        guard case .recording(let name, let id) = state else {
            let refusal = StreamRefusal(.malformed, "A chunk message is out of place here.")
            server.auditRefusal(refusal, host: nil, peer: peer)
            return ([.error(refusal.code, refusal.message)], true)
        }
        let catalog = server.catalog
        do {
            let started = ContinuousClock.now
            // The content checks here, on the catalog threads; the writes with every other
            // connection's, by the writer.
            let batch = try await server.threadPool.runIfActive { catalog.value.prepareIngest(host: name, recordingID: id, chunks: chunks, lease: lease) }
            let (positions, refusal) = try await server.writer.store(batch).get()
            logger.debug("chunks stored", metadata: ["recording": "\(id)", "chunks": "\(positions.count)", "in": "\(ContinuousClock.now - started)"])
            var replies = positions.map { StreamMessage.ack(sequence: $0.nextSequence &- 1, position: Self.streamPosition($0)) }
            guard let refusal else { return (replies, false) }
            let streamRefusal = Self.refusal(for: refusal, catalogPath: catalog.value.path)
            server.auditRefusal(streamRefusal, host: name, peer: peer)
            replies.append(.error(streamRefusal.code, UnsafeScalars.escape(streamRefusal.message)))
            return (replies, true)
        } catch let error as CatalogError {
            let refusal = Self.refusal(for: error, catalogPath: catalog.value.path)
            if error.code != .ingestNotYours { server.auditRefusal(refusal, host: name, peer: peer) }
            return ([.error(refusal.code, UnsafeScalars.escape(refusal.message))], true)
        } catch {
            logger.error("cannot store", metadata: ["error": "\(error)"])
            let refusal = StreamRefusal(.internalError, "The server failed to store the message; send it again later.")
            server.auditRefusal(refusal, host: name, peer: peer)
            return ([.error(refusal.code, refusal.message)], true)
        }
    }

    static func streamPosition(_ p: IngestPosition) -> StreamPosition {
        StreamPosition(committedBytes: p.committedBytes, nextSequence: p.nextSequence, complete: p.complete)
    }

}

extension IngestConnection {
    /// The protocol's refusal for a catalog error.
    static func refusal(for error: CatalogError, catalogPath: String) -> StreamRefusal {
        let code: StreamErrorCode
        switch error.code {
        case .ingestNotYours: code = .notYours
        case .ingestOutOfOrder: code = .outOfOrder
        case .ingestComplete: code = .complete
        case .ingestBadChunk, .unknownProtocol: code = .badChunk
        case .conflict: code = .conflict
        case .storageFull:
            return StreamRefusal(.unavailable, "The server's disk is full; nothing of this message was stored. Send it again later.")
        case .busy:
            return StreamRefusal(.unavailable, "The server's catalog is busy; nothing of this message was stored. Send it again later.")
        case .leaseHeld:
            // The catalog's sentence names the other connection's server; the host learns none.
            return StreamRefusal(.unavailable, "The recording is being received by another connection, whose lease has not expired; nothing of this message was stored. Send it again in a few seconds.")
        case .notFound, .database, .cannotOpen, .catalogMissing:
            return StreamRefusal(.internalError, "The server failed to store the message; send it again later.")
        default: code = .internalError
        }
        // The catalog's sentences name its file; a capture host learns no server path.
        var sentence = error.message
        for phrase in [" in the catalog \(catalogPath)", " into the catalog \(catalogPath)"] {
            sentence = sentence.replacingOccurrences(of: phrase, with: "")
        }
        // Whatever else names the catalog's file names it no more.
        sentence = sentence.replacingOccurrences(of: "catalog \(catalogPath)", with: "catalog").replacingOccurrences(of: catalogPath, with: "the catalog")
        return StreamRefusal(code, sentence)
    }
}
