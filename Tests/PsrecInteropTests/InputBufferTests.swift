import PsrecFormat
@testable import PsrecInterop
import Testing

/// Hands out its bytes a few at a time, as a pipe or a slow disk might.
final class TricklingInput: ConversionInput {
    let name = "trickle.cast"
    private let bytes: [UInt8]
    private var position = 0
    private var step = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        step += 1
        let count = min(buffer.count, bytes.count - position, 1 + step % 5)
        guard count > 0 else { return 0 }
        for i in 0..<count { buffer[i] = bytes[position + i] }
        position += count
        return count
    }
}

@Suite("InputBuffer")
struct InputBufferTests {
    private func lines(_ text: String, blockSize: Int = 4, maxLineBytes: Int = 64) throws -> [String] {
        let buffer = InputBuffer(input: TricklingInput(Array(text.utf8)), blockSize: blockSize, maxLineBytes: maxLineBytes)
        var out: [String] = []
        while let result = try buffer.nextLine() {
            switch result {
            case .line(let line):
                out.append("\(line.number):\(line.offset):\(line.terminated ? "" : "~")" + String(decoding: buffer.bytes[line.range], as: UTF8.self))
            case .tooLong(let number, let offset):
                out.append("\(number):\(offset):too long")
            }
        }
        return out
    }

    @Test("Lines split across blocks come out whole, with numbers and offsets")
    func lines() throws {
        #expect(try lines("alpha\nbe\r\n\ngamma delta epsilon\nz") == ["1:0:alpha", "2:6:be", "3:10:", "4:11:gamma delta epsilon", "5:31:~z"])
        #expect(try lines("") == [])
        #expect(try lines("\n") == ["1:0:"])
    }

    @Test("A line over the limit is reported and skipped without being kept")
    func tooLong() throws {
        let long = String(repeating: "x", count: 200)
        #expect(try lines("a\n\(long)\nb\n\(long)") == ["1:0:a", "2:2:too long", "3:203:b", "4:205:too long"])
    }

    @Test("Frames read exactly, across blocks, short at the end")
    func frames() throws {
        let buffer = InputBuffer(input: TricklingInput(Array(0..<50)), blockSize: 4)
        #expect(try buffer.peek(6) == [0, 1, 2, 3, 4, 5])
        #expect(try buffer.read(count: 12) == Array(0..<12))
        #expect(buffer.consumedOffset == 12)
        #expect(try buffer.read(count: 30) == Array(12..<42))
        #expect(try buffer.read(count: 30) == Array(42..<50))
        #expect(try buffer.read(count: 1) == [])
    }

    @Test("Whole conversions through a trickling input match the in-memory ones")
    func trickleConversion() throws {
        for (text, format) in [(AsciicastLinesImporterTests.v2, InputFormat.asciicastV2), (AsciicastLinesImporterTests.v3, .asciicastV3),
                               (AsciicastV1ImporterTests.v1, .asciicastV1)] {
            let sink = MemorySink()
            let report = try Converter.convert(reading: TricklingInput(Array(text.utf8)), sink: sink, options: ConversionOptions())
            #expect(report.format == format)
            let expected = try convertInMemory(text)
            let reader = try RecordingReader(source: MemorySource(sink.bytes))
            #expect(Array(reader.events()) == expected.events)
        }
        let ttyrec = TtyrecImporterTests.frames.flatMap { $0 }
        let sink = MemorySink()
        _ = try Converter.convert(reading: TricklingInput(ttyrec), sink: sink, options: ConversionOptions())
        let reader = try RecordingReader(source: MemorySource(sink.bytes))
        #expect(Array(reader.events()) == (try convertInMemory(ttyrec, name: "t")).events)
    }
}
