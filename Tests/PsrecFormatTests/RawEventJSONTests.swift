import Foundation
import Testing
@testable import PsrecFormat

/// `RawEvent.writeJSONLine` writes long bodies in pieces; joined, they must be exactly
/// `TimedEvent.jsonLine()`, whatever falls on a block boundary.
@Suite struct RawEventJSONTests {
    /// Long bodies with multi-byte characters, unsafe scalars and invalid bytes spread over
    /// every position around the 64 KiB block boundaries.
    static let events: [Event] = {
        let unit = Array("aé✓😀\u{200B}\u{202E}\"\\\u{1B}\n".utf8)
        var text: [UInt8] = []
        while text.count < 3 * TextBlocks.size + 7 { text += unit }
        var invalid = text
        for i in stride(from: 5, to: invalid.count, by: 4099) { invalid[i] = 0xFF }
        invalid[TextBlocks.size - 1] = 0xE2
        invalid[TextBlocks.size] = 0x82
        let pixels = [UInt8](repeating: 7, count: 200 * 100 * 4)
        return [
            .output(text), .input(invalid), .output(Array(text.dropFirst(1))), .output(Array(text.dropFirst(2))),
            .marker(String(decoding: invalid, as: UTF8.self)), .command(String(decoding: text, as: UTF8.self)),
            .unknown(type: 0x7E, body: invalid),
            .screenKeyframe(ScreenImage(width: 200, height: 100, format: .bgra8888, pixels: pixels)),
            .screenDelta(ScreenDelta(format: .rgb888, rects: [PixelRect(x: 1, y: 2, width: 300, height: 100, pixels: [UInt8](repeating: 3, count: 300 * 100 * 3)),
                                                              PixelRect(x: 0, y: 0, width: 0, height: 5, pixels: [])])),
        ]
    }()

    @Test func piecesJoinToTheWholeLine() throws {
        for event in Self.events {
            var body = ByteWriter()
            event.encodeBody(into: &body)
            // A marker as stored by another writer: its raw bytes, invalid UTF-8 included.
            var stored = body.bytes
            if case .marker = event, case .input(let raw) = Self.events[1] { stored = raw }
            var pieces: [String] = []
            try stored.withUnsafeBytes { raw in
                let rawEvent = RawEvent(type: event.type, timeMicros: 42, body: raw)
                let whole = TimedEvent(timeMicros: 42, event: try rawEvent.decoded()).jsonLine()
                try rawEvent.writeJSONLine { pieces.append($0) }
                #expect(pieces.count > 1, "\(event.type.name) was not written in pieces")
                #expect(pieces.joined() == whole, "\(event.type.name)")
            }
        }
    }
}
