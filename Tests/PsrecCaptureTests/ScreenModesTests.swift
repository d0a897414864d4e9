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
}
