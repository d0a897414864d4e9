/// Small output bodies gathered into one write; a large one handed over as it lies in the
/// chunk. What the output receives at once is at most `capacity` bytes copied, or one body.
struct OutputBatch {
    static let capacity = 64 << 10
    private var buffer: [UInt8] = []

    mutating func add(_ body: UnsafeRawBufferPointer, to output: any PlayerOutput) {
        guard !body.isEmpty else { return }
        if buffer.count + body.count > Self.capacity { flush(to: output) }
        if body.count >= Self.capacity {
            output.write(body)
        } else {
            buffer.append(contentsOf: body)
        }
    }

    mutating func flush(to output: any PlayerOutput) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { output.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
