import PsrecFormat
import PsrecPlayback

/// A clock that moves only when the player waits, and commands given at set times: a
/// command is delivered by the first wait that reaches its time.
final class ScriptedInput: PlayerInput {
    private(set) var now: Int64 = 0
    private var keys: [(at: Int64, command: PlayerCommand)]
    /// Called before every wait, with the wait's deadline (to look at the player between steps).
    var beforeWait: (Int64?) -> Void = { _ in }

    init(keys: [(at: Int64, command: PlayerCommand)] = []) {
        self.keys = keys.sorted { $0.at < $1.at }
    }

    func nowMicros() -> Int64 { now }

    func wait(until deadline: Int64?) -> PlayerWake {
        beforeWait(deadline)
        if let key = keys.first, deadline.map({ key.at <= $0 }) ?? true {
            keys.removeFirst()
            now = max(now, key.at)
            return .command(key.command)
        }
        guard let deadline else { return .closed }
        now = max(now, deadline)
        return .deadline
    }
}

/// Everything the player drew, with the wall time it happened.
final class CapturedOutput: PlayerOutput {
    enum Item: Equatable {
        case bytes(Int64, [UInt8])
        case reset(Int64)
        case status(Int64, PlayerStatus)

        var isReset: Bool {
            if case .reset = self { return true }
            return false
        }
    }

    let isTerminal: Bool
    let size: (cols: Int, rows: Int)?
    let clock: ScriptedInput
    private(set) var items: [Item] = []

    init(clock: ScriptedInput, isTerminal: Bool = true, size: (cols: Int, rows: Int)? = (80, 24)) {
        self.clock = clock
        self.isTerminal = isTerminal
        self.size = size
    }

    func write(_ bytes: UnsafeRawBufferPointer) { items.append(.bytes(clock.now, Array(bytes))) }
    func resetScreen() { items.append(.reset(clock.now)) }
    func showStatus(_ status: PlayerStatus) { items.append(.status(clock.now, status)) }

    /// Output bytes as text, all of them.
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var bytes: [UInt8] { Self.bytes(in: items[...]) }
    /// Output after the last reset.
    var textSinceReset: String {
        let start = (items.lastIndex { $0.isReset } ?? -1) + 1
        return String(decoding: Self.bytes(in: items[start...]), as: UTF8.self)
    }
    /// (wall time, text) for each write.
    var writes: [(Int64, String)] {
        items.compactMap { item -> (Int64, String)? in
            guard case .bytes(let t, let b) = item else { return nil }
            return (t, String(decoding: b, as: UTF8.self))
        }
    }

    private static func bytes(in items: ArraySlice<Item>) -> [UInt8] {
        var out: [UInt8] = []
        for case .bytes(_, let b) in items { out += b }
        return out
    }

    var resets: Int { items.filter(\.isReset).count }
    var statuses: [PlayerStatus] {
        items.compactMap { item -> PlayerStatus? in
            guard case .status(_, let s) = item else { return nil }
            return s
        }
    }
}

enum PlayerFixture {
    /// A recording in memory from (time, event) pairs.
    static func reader(_ events: [(Int64, Event)], chunkIntervalMicros: Int64 = 1_000_000,
                       maxChunkBytes: Int = WriterOptions(codec: .none).maxChunkBytes) throws -> RecordingReader {
        let sink = MemorySink()
        var options = WriterOptions(codec: .none)
        options.chunkIntervalMicros = chunkIntervalMicros
        options.maxChunkBytes = maxChunkBytes
        let writer = try RecordingWriter(sink: sink, metadata: RecordingMetadata(startUnixMicros: 0, user: "alice"), options: options)
        for (time, event) in events { try writer.append(event, atMicros: time) }
        try writer.close()
        return try RecordingReader(source: MemorySource(sink.bytes))
    }

    static func out(_ text: String) -> Event { .output(Array(text.utf8)) }
}
