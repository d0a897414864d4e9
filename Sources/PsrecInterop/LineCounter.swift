/// Turns byte positions into 1-based lines and columns, counting forward from the last
/// position asked about (positions are asked in increasing order, mostly).
struct LineCounter {
    let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var lineNumber = 1
    private var lineStart = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func line(at target: Int) -> Int {
        let target = min(max(target, 0), bytes.count)
        if target < position { position = 0; lineNumber = 1; lineStart = 0 }
        while position < target {
            if bytes[position] == 0x0A { lineNumber += 1; lineStart = position + 1 }
            position += 1
        }
        return lineNumber
    }

    mutating func column(at target: Int) -> Int {
        _ = line(at: target)
        return min(max(target, 0), bytes.count) - lineStart + 1
    }
}
