import NIOCore
import NIOEmbedded
import Testing
@testable import PsrecNetwork
import PsrecStream

/// The server's group commit: chunks that arrive while the connection's task stores the
/// previous ones go to the catalog together.
@Suite struct ChunkBatcherTests {
    func chunk(_ n: Int, size: Int = 100) -> StreamMessage { .chunk(offset: Int64(n * size), bytes: [UInt8](repeating: UInt8(n & 0xff), count: size)) }

    /// Stands for the channel's reader (NIOAsyncChannel), which hands what it was given to
    /// the connection's task at the end of a read only.
    final class HandOver: ChannelInboundHandler {
        typealias InboundIn = IngestInbound
        var given: [IngestInbound] = []
        var handed: [IngestInbound] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { given.append(unwrapInboundIn(data)) }
        func channelReadComplete(context: ChannelHandlerContext) {
            handed += given
            given = []
        }
        func channelInactive(context: ChannelHandlerContext) { channelReadComplete(context: context) }
    }

    func channel() throws -> (EmbeddedChannel, HandOver) {
        let handOver = HandOver()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ChunkBatcher())
        try channel.pipeline.syncOperations.addHandler(handOver)
        return (channel, handOver)
    }

    /// What reached the connection's task so far, as chunk counts per batch ("m" for
    /// another message).
    func passed(_ handOver: HandOver) -> [String] {
        defer { handOver.handed = [] }
        return handOver.handed.map { item in
            switch item {
            case .chunks(let chunks): "\(chunks.count)@\(chunks.first!.offset)"
            case .message: "m"
            }
        }
    }

    @Test("Chunks read while the task is busy are held, then passed on together when it is ready")
    func heldWhileBusy() throws {
        let (channel, handOver) = try channel()
        // An idle task gets the first read's chunks at once.
        try channel.writeInbound(chunk(0))
        #expect(passed(handOver) == ["1@0"])
        // Three more reads while it stores that one: nothing goes on.
        for n in 1...3 {
            try channel.writeInbound(chunk(n))
            channel.pipeline.fireChannelReadComplete()
        }
        #expect(passed(handOver) == [])
        channel.pipeline.fireUserInboundEventTriggered(ConsumerReady())
        #expect(passed(handOver) == ["3@100"])
        // Ready with nothing held: the next read goes on at its end.
        channel.pipeline.fireUserInboundEventTriggered(ConsumerReady())
        try channel.writeInbound(chunk(4))
        channel.pipeline.fireChannelReadComplete()
        #expect(passed(handOver) == ["1@400"])
        _ = try channel.finish()
    }

    @Test("A batch goes on at 256 chunks or 8 MiB even while the task is busy; other messages keep their order")
    func limitsAndOrder() throws {
        let (channel, handOver) = try channel()
        try channel.writeInbound(StreamMessage.end(offset: 0))
        #expect(passed(handOver) == ["m"])
        for n in 0..<(ChunkBatcher.maxChunks + 1) { try channel.writeInbound(chunk(n)) }
        #expect(passed(handOver) == ["256@0"])
        // A trailer behind a held chunk: the chunk first, then the trailer.
        try channel.writeInbound(StreamMessage.trailer(offset: 25700, bytes: [UInt8](repeating: 0, count: 80)))
        #expect(passed(handOver) == ["1@25600", "m"])
        // Still busy with the trailer: 3 chunks of 3 MiB pass 8 MiB at the third.
        let big = 3 << 20
        for n in 0..<3 { try channel.writeInbound(chunk(n, size: big)) }
        #expect(passed(handOver) == ["3@0"])
        _ = try channel.finish()
    }

    @Test("Chunks held when the connection closes still go on")
    func heldAtClose() throws {
        let (channel, handOver) = try channel()
        try channel.writeInbound(chunk(0))
        #expect(passed(handOver) == ["1@0"])
        try channel.writeInbound(chunk(1))
        channel.pipeline.fireChannelInactive()
        #expect(passed(handOver) == ["1@100"])
        _ = try? channel.finish()
    }
}
