#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a `ConversionInput` in blocks into one reused buffer and hands out lines or
/// fixed-size frames from it.
///
/// ```
/// buffer: [ consumed | start ..... unread ..... end | free ]
///                      ^ offset of `start` in the input is `consumedOffset`
/// ```
/// Memory is bounded by the longest line (at most `maxLineBytes`) or frame asked for.
final class InputBuffer {
    /// One line of the input, without its line feed (nor a carriage return before it).
    struct Line {
        /// Position of the line's bytes in `bytes`.
        var range: Range<Int>
        /// 1-based line number.
        var number: Int
        /// False for a last line that has no line feed (possibly torn).
        var terminated: Bool
        /// Byte offset of the line in the input.
        var offset: Int64
    }

    enum LineResult {
        case line(Line)
        /// A line longer than `maxLineBytes`; its bytes were discarded.
        case tooLong(number: Int, offset: Int64)
    }

    let input: any ConversionInput
    let maxLineBytes: Int
    // Read on every frame or line by the one converting thread: no dynamic exclusivity checks.
    @exclusivity(unchecked) private(set) var bytes: [UInt8]
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    private var atEOF = false
    private(set) var lineNumber = 0
    /// Input offset of `bytes[start]`.
    @exclusivity(unchecked) private(set) var consumedOffset: Int64 = 0

    init(input: any ConversionInput, blockSize: Int = 256 * 1024, maxLineBytes: Int = 64 << 20) {
        self.input = input
        self.maxLineBytes = maxLineBytes
        bytes = [UInt8](repeating: 0, count: blockSize)
    }

    /// Reads more input after `end`, moving unread bytes to the front and growing the buffer
    /// (up to `limit` unread bytes) when full. Returns false at the end of the input.
    private func fill(limit: Int) throws(ConversionError) -> Bool {
        if atEOF { return false }
        if start > 0 && (end == bytes.count || start >= bytes.count / 2) {
            let unread = end - start
            bytes.withUnsafeMutableBytes { raw in
                if let base = raw.baseAddress, unread > 0 { memmove(base, base + start, unread) }
            }
            start = 0
            end = unread
        }
        if end == bytes.count {
            guard bytes.count < limit else { return true }
            bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, limit - bytes.count)))
        }
        let from = end
        var failure: ConversionError?
        let n = bytes.withUnsafeMutableBytes { raw -> Int in
            do throws(ConversionError) {
                return try input.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[from...]))
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if n == 0 { atEOF = true; return false }
        end += n
        return true
    }

    /// Up to `count` bytes from the start of the unread input, without consuming them.
    func peek(_ count: Int) throws(ConversionError) -> [UInt8] {
        while end - start < count, try fill(limit: max(count, bytes.count)) {}
        return Array(bytes[start..<min(end, start + count)])
    }

    /// The unread bytes after reading once more (at most `count`), without consuming them;
    /// the second value is false at the end of the input. A live stream thus yields what has
    /// arrived so far instead of blocking for `count` bytes.
    func peekMore(_ count: Int) throws(ConversionError) -> ([UInt8], Bool) {
        let more = end - start < count ? try fill(limit: max(count, bytes.count)) : false
        return (Array(bytes[start..<min(end, start + count)]), more)
    }

    /// The next line, or nil at the end of the input. The line's bytes stay valid in
    /// `bytes` until the next call.
    func nextLine() throws(ConversionError) -> LineResult? {
        var searchFrom = start
        while true {
            if let newline = firstNewline(from: searchFrom) {
                lineNumber += 1
                var lineEnd = newline
                if lineEnd > start && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = Line(range: start..<lineEnd, number: lineNumber, terminated: true, offset: consumedOffset)
                consume(newline + 1 - start)
                return .line(line)
            }
            searchFrom = end
            if end - start > maxLineBytes {
                return try discardLongLine()
            }
            let before = start
            let more = try fill(limit: maxLineBytes + 1)
            searchFrom -= before - start
            if !more {
                guard end > start else { return nil }
                lineNumber += 1
                let line = Line(range: start..<end, number: lineNumber, terminated: false, offset: consumedOffset)
                consume(end - start)
                return .line(line)
            }
        }
    }

    private func discardLongLine() throws(ConversionError) -> LineResult {
        lineNumber += 1
        let result = LineResult.tooLong(number: lineNumber, offset: consumedOffset)
        while true {
            if let newline = firstNewline(from: start) {
                consume(newline + 1 - start)
                return result
            }
            consume(end - start)
            guard try fill(limit: bytes.count) else { return result }
        }
    }

    /// Consumes up to `count` bytes (fewer only at the end of the input) and hands them to
    /// `body` where they lie in the buffer, without a copy; they are valid only inside `body`.
    /// The buffer grows to `count` when needed.
    func withNext<R>(_ count: Int, _ body: (UnsafeRawBufferPointer) throws(ConversionError) -> R) throws(ConversionError) -> R {
        while end - start < count, try fill(limit: max(count, bytes.count)) {}
        let from = start, taken = min(count, end - start)
        consume(taken)  // only moves indices: the bytes stay in place until the next fill
        // withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ConversionError) -> R in try body(UnsafeRawBufferPointer(rebasing: raw[from..<(from + taken)])) }
        }
        return try result.get()
    }

    /// Hands the unread bytes already in the buffer (reading nothing) to `body`, with the
    /// input offset of the first, and consumes as many as `body` returns: for parsers that
    /// take every whole record in the buffer in one pass. Valid only inside `body`.
    func withBuffered(_ body: (UnsafeRawBufferPointer, Int64) throws(ConversionError) -> Int) throws(ConversionError) {
        guard end > start else { return }
        let from = start, count = end - start, offset = consumedOffset
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(ConversionError) -> Int in try body(UnsafeRawBufferPointer(rebasing: raw[from..<(from + count)]), offset) }
        }
        let used = try result.get()
        precondition((0...count).contains(used), "consumed more than was buffered")
        consume(used)
    }

    /// Reads exactly `count` bytes, or fewer at the end of the input.
    func read(count: Int) throws(ConversionError) -> [UInt8] {
        if end - start >= count {
            let out = Array(bytes[start..<(start + count)])
            consume(count)
            return out
        }
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            if end == start { guard try fill(limit: bytes.count) else { break } }
            let take = min(count - out.count, end - start)
            out.append(contentsOf: bytes[start..<(start + take)])
            consume(take)
        }
        return out
    }

    /// Reads the rest of the input, failing if it is longer than `limit` bytes.
    func readAll(limit: Int) throws(ConversionError) -> [UInt8]? {
        while try fill(limit: limit + 1) {
            if end - start > limit { return nil }
        }
        let out = Array(bytes[start..<end])
        consume(end - start)
        return out
    }

    private func consume(_ count: Int) {
        start += count
        consumedOffset += Int64(count)
        if start == end { start = 0; end = 0 }
    }

    private func firstNewline(from: Int) -> Int? {
        guard from < end else { return nil }
        return bytes.withUnsafeBytes { raw -> Int? in
            guard let base = raw.baseAddress,
                  let hit = memchr(base + from, 0x0A, end - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }
}
