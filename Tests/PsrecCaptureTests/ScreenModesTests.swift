import Testing
@testable import PsrecCapture

@Suite struct ScreenModesTests {
    @Test func alternateScreenAndApplicationKeysMarkAFullScreenProgram() {
        var modes = ScreenModes()
        _ = modes.feed(Array("\u{1B}[?1049h\u{1B}[22;0;0t".utf8))          // vim's start
        #expect(modes.alternateScreen && modes.isFullScreen)
        _ = modes.feed(Array("\u{1B}[?1049l".utf8))
        #expect(!modes.isFullScreen)
        _ = modes.feed(Array("\u{1B}[?1h\u{1B}=".utf8))                      // top's smkx
        #expect(modes.applicationCursorKeys && modes.applicationKeypad)
        _ = modes.feed(Array("\u{1B}[?1l\u{1B}>".utf8))
        #expect(!modes.isFullScreen)
        _ = modes.feed(Array("\u{1B}[?1000;1006h".utf8))                      // htop asks for the mouse
        #expect(modes.mouseReporting && modes.isFullScreen)
        _ = modes.feed(Array("\u{1B}[?1000;1006l".utf8))
        _ = modes.feed(Array("\u{1B}[?25l\u{1B}[?2004h".utf8))               // cursor, bracketed paste: not full screen
        #expect(!modes.isFullScreen)
    }

    @Test func sequencesSplitAcrossWritesAreFollowed() {
        var modes = ScreenModes()
        for piece in ["\u{1B}", "[?10", "49", "h"] { _ = modes.feed(Array(piece.utf8)) }
        #expect(modes.alternateScreen)
        _ = modes.feed(Array("\u{1B}c".utf8))                                // reset
        #expect(!modes.isFullScreen)
    }

    @Test func textLeavesOutSequencesStringsAndControlsButCR() {
        var modes = ScreenModes()
        let text = modes.feed(Array("a\u{1B}[1;31mb\r\n\u{1B}]0;title\u{07}c\u{1B}]2;t\u{1B}\\d\u{1B}(Be".utf8))
        #expect(String(decoding: text, as: UTF8.self) == "ab\rcde", "carriage returns are kept (SecretDetector.joiningWraps)")
    }

    /// Streams of text, UTF-8 (C1 lead bytes among it), mode changes as ESC sequences and as
    /// C1 CSI, strings, CAN and stray bytes, cut anywhere.
    static func noisyStream(_ generator: inout some RandomNumberGenerator) -> [UInt8] {
        let pieces: [[UInt8]] = [
            Array("plain text, a line of it\r\n".utf8), Array("\u{1B}[01;34mdir\u{1B}[0m  ".utf8),
            Array("\u{1B}[?1049h".utf8), Array("\u{1B}[?1049l".utf8), Array("\u{1B}[?1h\u{1B}=".utf8), Array("\u{1B}[?1l\u{1B}>".utf8),
            Array("\u{1B}[?1000;1006h".utf8), Array("\u{1B}[?1000l".utf8), Array("\u{1B}c".utf8),
            [0xC2, 0x9B] + Array("?47h".utf8), [0xC2, 0x9B] + Array("?47l".utf8), Array("°±©é€😀 ".utf8),
            Array("\u{1B}]0;title \u{1B}[?1049h\u{07}".utf8), [0xC2, 0x9D] + Array("2;t\u{1B}\\".utf8), Array("\u{1B}P1$r\u{1B}\\".utf8),
            [0x18], [0x1A], [0xE2, 0x94], [0x80, 0x9B, 0xFF, 0xC2], [0xC2, 0x8E, 0x41], Array("\u{1B}[".utf8), Array("\u{1B}[?104".utf8),
        ]
        var stream = [UInt8]()
        for _ in 0..<Int.random(in: 50...400, using: &generator) {
            stream += pieces.randomElement(using: &generator)!
            if Int.random(in: 0..<8, using: &generator) == 0 { stream.append(UInt8.random(in: 0...255, using: &generator)) }
        }
        return stream
    }

    @Test("without text collected, text between sequences is skipped and the modes are those of the whole stream, however it is cut")
    func skippingTextFollowsTheSameModes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let stream = Self.noisyStream(&generator)
            var skipping = ScreenModes(), whole = ScreenModes()
            var at = 0
            while at < stream.count {
                let end = min(stream.count, at + Int.random(in: 1...200, using: &generator))
                let piece = Array(stream[at..<end])
                _ = piece.withUnsafeBytes { skipping.feed($0, collectText: false) }
                _ = whole.feed(piece, collectText: true)
                #expect(skipping.alternateScreen == whole.alternateScreen && skipping.applicationCursorKeys == whole.applicationCursorKeys
                        && skipping.applicationKeypad == whole.applicationKeypad && skipping.mouseReporting == whole.mouseReporting,
                        "after byte \(end) of \(stream)")
                at = end
            }
        }
    }

    @Test("the text skipped ends at the last ASCII byte before the first ESC or C1 lead byte")
    func inertLength() {
        func length(_ bytes: [UInt8]) -> Int { bytes.withUnsafeBytes { ScreenModes.inertLength($0) } }
        #expect(length(Array("abc".utf8)) == 3)
        #expect(length(Array("ab\u{1B}[m".utf8)) == 2)
        #expect(length(Array("a\u{1B}".utf8)) == 1)
        #expect(length(Array("ab".utf8) + [0xE2, 0x94]) == 2)          // a character not yet whole
        #expect(length(Array("ab".utf8) + [0xE2, 0x94, 0x80, 0x1B]) == 2)
        #expect(length(Array("ab".utf8) + [0xC2, 0x9B, 0x41]) == 2)    // CSI as a C1 control
        #expect(length([0xE2, 0x94, 0x80]) == 0)
        #expect(length([]) == 0)
    }
}
