import Testing
@testable import PsrecCapture

@Suite struct SecretDetectorTests {
    typealias Decision = SecretDetector.Decision
    let hold = SecretDetector.holdMicros

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func echoOnIsOrdinaryAndCanonicalNoEchoIsSecret() {
        var detector = SecretDetector()
        #expect(detector.typed(bytes("ls\r"), echo: true, canonical: true, nowMicros: 0) == [Decision(bytes: bytes("ls\r"), secret: false)])
        #expect(detector.typed(bytes("hunter2\r"), echo: false, canonical: true, nowMicros: 1) == [Decision(bytes: bytes("hunter2\r"), secret: true)])
        #expect(!detector.isHolding)
    }

    @Test func aLineEditorsEchoReleasesHeldKeys() {
        // readline: echo and canonical mode off, and it draws each key itself.
        var detector = SecretDetector()
        #expect(detector.typed(bytes("ec"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.isHolding)
        #expect(detector.output(bytes("e")).isEmpty)                  // half of it so far
        #expect(detector.output(bytes("\u{1B}[1mc\u{1B}[0m")) == [Decision(bytes: bytes("ec"), secret: false)])
        #expect(!detector.isHolding)
        // Keys without text pass at once.
        #expect(detector.typed(bytes("\r"), echo: false, canonical: false, nowMicros: 10) == [Decision(bytes: bytes("\r"), secret: false)])
    }

    /// bash in the C locale, a command line wrapping at the right margin: readline writes the
    /// next line's first character to force the wrap, goes back with CR and writes it again
    /// (seen with a 100-column pty; in a UTF-8 locale it relies on the terminal's wrap).
    @Test func aLineWrappedByReadlineInASingleByteLocaleIsShown() {
        var detector = SecretDetector()
        let line = bytes("python3 -c 'print(\"got\", len(s), \"chars\")'\r")
        #expect(detector.typed(line, echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("python3 -c 'print(\"got\", len(\r(s), \"chars\")'")) == [Decision(bytes: line, secret: false)])
        // With the margin reached by a typed space, then a key at a time: "m \r" then "n".
        var keys = SecretDetector()
        #expect(keys.typed(bytes("am n"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(keys.output(bytes("am")).isEmpty)
        #expect(keys.output(bytes(" \r")).isEmpty)
        #expect(keys.output(bytes("n")) == [Decision(bytes: bytes("am n"), secret: false)])
    }

    /// A CR between the halves of an echo is not a wrap unless the byte repeats: "hun\rter2"
    /// shows both halves, and a repeated byte is counted once ("aa" is not shown by "a\ra").
    @Test func onlyARepeatedByteAroundACarriageReturnIsJoined() {
        #expect(SecretDetector.joiningWraps(bytes("hun\rter2")) == bytes("hunter2"))
        #expect(SecretDetector.joiningWraps(bytes("a\ra")) == bytes("a"))
        #expect(SecretDetector.joiningWraps(bytes("m \rm")) == bytes("mm"))
        #expect(SecretDetector.joiningWraps(bytes("m \r ")) == bytes("m"))
        var detector = SecretDetector()
        #expect(detector.typed(bytes("aa"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("a\ra")).isEmpty)
        #expect(detector.tick(nowMicros: hold) == [Decision(bytes: bytes("aa"), secret: true)])
    }

    @Test func aRawPromptThatDoesNotEchoMakesASecret() {
        // sudo with pwfeedback: a star per key, never the key.
        var detector = SecretDetector()
        #expect(detector.typed(bytes("hun"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("***")).isEmpty)
        #expect(detector.typed(bytes("ter2\r"), echo: false, canonical: false, nowMicros: 500_000).isEmpty)
        #expect(detector.tick(nowMicros: hold - 1).isEmpty)
        #expect(detector.tick(nowMicros: hold) == [Decision(bytes: bytes("hunter2\r"), secret: true)])
        #expect(!detector.isHolding)
    }

    @Test func keysTypedAheadAndReadInAnotherModeStaySecret() {
        // "read -s PW" and the password typed at once into readline: the command is echoed,
        // the password is not, and read -s (canonical, no echo) reads it later.
        var detector = SecretDetector()
        #expect(detector.typed(bytes("read -s PW\rpw1"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("read -s PW\r\n")) == [Decision(bytes: bytes("read -s PW\r"), secret: false)])
        #expect(detector.isHolding)
        #expect(detector.typed(bytes("\r"), echo: false, canonical: true, nowMicros: 100) ==
                [Decision(bytes: bytes("pw1"), secret: true), Decision(bytes: bytes("\r"), secret: true)])
    }

    @Test func terminalAnswersAndArrowKeysAreNoSecret() {
        var detector = SecretDetector()
        #expect(detector.typed(bytes("\u{1B}[2;2R\u{1B}[A\u{1B}OB"), echo: false, canonical: false, nowMicros: 0) ==
                [Decision(bytes: bytes("\u{1B}[2;2R\u{1B}[A\u{1B}OB"), secret: false)])
        // Within a line, only the typed text must be echoed.
        #expect(detector.typed(bytes("ls\u{1B}[D"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("ls\u{8}")) == [Decision(bytes: bytes("ls\u{1B}[D"), secret: false)])
    }

    @Test func aFloodOfUnshownLinesIsSettledOldestFirst() {
        var detector = SecretDetector()
        let lines = String(repeating: "x\r", count: SecretDetector.maxHeldLines + 3)
        let decisions = detector.typed(bytes(lines), echo: false, canonical: false, nowMicros: 0)
        #expect(decisions.count == 3 && decisions.allSatisfy { $0.secret && $0.bytes == bytes("x\r") })
        #expect(detector.settle().count == SecretDetector.maxHeldLines)
    }

    @Test func fullScreenProgramsAreNeverHeld() {
        var detector = SecretDetector()
        _ = detector.output(bytes("\u{1B}[?1049h"))
        #expect(detector.typed(bytes("ihello"), echo: false, canonical: false, nowMicros: 0) == [Decision(bytes: bytes("ihello"), secret: false)])
        // A password prompt in canonical mode is a secret even there.
        #expect(detector.typed(bytes("pw"), echo: false, canonical: true, nowMicros: 1) == [Decision(bytes: bytes("pw"), secret: true)])
    }

    @Test func aLineShownAfterAnUnshownOneMakesThatOneASecret() {
        // A silent prompt's password, then a command typed into the shell that follows it.
        var detector = SecretDetector()
        #expect(detector.typed(bytes("hunter2\r"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("\r\ngot 7 chars\r\n$ ")).isEmpty)
        #expect(detector.typed(bytes("echo done"), echo: false, canonical: false, nowMicros: 200_000).isEmpty)
        #expect(detector.output(bytes("echo done")) == [Decision(bytes: bytes("hunter2\r"), secret: true), Decision(bytes: bytes("echo done"), secret: false)])
        #expect(!detector.isHolding)
    }

    @Test func aFewKeysFoundInOtherOutputReleaseNothing() {
        // The prompt's own text holds some of the password's letters, in order: no part of
        // the line is released, and the whole line is a secret when its time is up.
        var detector = SecretDetector()
        #expect(detector.typed(bytes("sword42"), echo: false, canonical: false, nowMicros: 0).isEmpty)
        #expect(detector.output(bytes("Password for s42: ")).isEmpty)
        #expect(detector.settle() == [Decision(bytes: bytes("sword42"), secret: true)])
        #expect(detector.settle().isEmpty)
    }
}
