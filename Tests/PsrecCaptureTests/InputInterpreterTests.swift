import Testing
import PsrecFormat
@testable import PsrecCapture

@Suite struct InputInterpreterTests {
    func run(_ chunks: [String], record: Bool = true, secret: Bool = false) -> [Event] {
        var interpreter = InputInterpreter(recordText: record)
        return chunks.flatMap { interpreter.interpret(Array($0.utf8), secret: secret) }
    }

    func indicators(_ events: [Event]) -> [Event] {
        events.filter { if case .input = $0 { false } else { true } }
    }

    @Test func enterSubmitsTheTypedCommand() {
        #expect(indicators(run(["ls -l", "a\u{7F}\r"])) == [.command("ls -l")])
        #expect(indicators(run(["echo hi\rpwd\n"])) == [.command("echo hi"), .command("pwd")])
    }

    @Test func withoutInputRecordingThereIsNoTextAndNoInput() {
        let events = run(["secret-looking command\r"], record: false)
        #expect(events == [.command("")])
    }

    @Test func lineEditingKeysAreApplied() {
        #expect(indicators(run(["cat /etc/pas\u{17}ls\r"])) == [.command("cat ls")])
        #expect(indicators(run(["rm -rf /\u{15}ls\r"])) == [.command("ls")])
        #expect(indicators(run(["héllo\u{7F}\u{7F}p\r"])) == [.command("hélp")])
        // Arrow keys and other escape sequences do not end up in the text.
        #expect(indicators(run(["ls\u{1B}[A\u{1B}OB -a\r"])) == [.command("ls -a")])
    }

    @Test func x10AndSgrMousePressesAreClicks() {
        // X10: button 0 (left) at column 10, row 5 (1-based, +32).
        let x10 = "\u{1B}[M" + String(UnicodeScalar(32)) + String(UnicodeScalar(32 + 10)) + String(UnicodeScalar(32 + 5))
        let x10Release = "\u{1B}[M" + String(UnicodeScalar(32 + 3)) + String(UnicodeScalar(32 + 10)) + String(UnicodeScalar(32 + 5))
        #expect(indicators(run([x10, x10Release])) == [.click(x: 9, y: 4, button: 1)])
        // SGR: right button press and release, wheel, and motion (ignored).
        #expect(indicators(run(["\u{1B}[<2;30;12M\u{1B}[<2;30;12m\u{1B}[<64;1;1M\u{1B}[<32;5;5M"])) ==
                [.click(x: 29, y: 11, button: 3), .click(x: 0, y: 0, button: 4)])
    }

    @Test func sequencesSplitAcrossReadsAreRecognised() {
        #expect(indicators(run(["\u{1B}", "[<0;", "3;4", "M"])) == [.click(x: 2, y: 3, button: 1)])
        #expect(indicators(run(["ls\u{1B}", "[D\r"])) == [.command("ls")])
    }

    @Test func secretsAreRedactedAndSubmitNoCommand() {
        var interpreter = InputInterpreter(recordText: true)
        #expect(interpreter.interpret(Array("sudo -k\r".utf8), secret: false).contains(.command("sudo -k")))
        #expect(interpreter.interpret(Array("hunter2\r".utf8), secret: true) == [.redactedInput(count: 8)])
        #expect(interpreter.interpret(Array("whoami\r".utf8), secret: false) == [.input(Array("whoami\r".utf8)), .command("whoami")])
    }

    @Test func aSecretTypedKeyByKeyLeavesOneRedactionAtItsEnd() {
        var interpreter = InputInterpreter(recordText: true)
        for key in "hunter2" { #expect(interpreter.interpret([key.asciiValue!], secret: true).isEmpty) }
        #expect(interpreter.interpret([0x0D], secret: true) == [.redactedInput(count: 8)])
        // Enter decided ordinary (it has no text) still ends the secret, and submits nothing.
        _ = interpreter.interpret(Array("pw".utf8), secret: true)
        #expect(interpreter.interpret(Array("\rls\r".utf8), secret: false) == [.redactedInput(count: 3), .input(Array("ls\r".utf8)), .command("ls")])
        // A secret still open at the end is reported by finish().
        _ = interpreter.interpret(Array("abc".utf8), secret: true)
        #expect(interpreter.finish() == .redactedInput(count: 3))
        #expect(interpreter.finish() == nil)
    }

    @Test func withoutInputRecordingASecretLeavesNothing() {
        var interpreter = InputInterpreter(recordText: false)
        for key in "hunter2\r" { #expect(interpreter.interpret([key.asciiValue!], secret: true).isEmpty) }
        #expect(interpreter.interpret(Array("ls\r".utf8), secret: false) == [.command("")])
        _ = interpreter.interpret(Array("abc".utf8), secret: true)
        #expect(interpreter.finish() == nil)
    }

    @Test func garbageNeverTraps() {
        var rng = SystemRandomNumberGenerator()
        var interpreter = InputInterpreter(recordText: true)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in [0x1B, 0x5B, 0x3C, 0x4D, 0x3B, 0x0D, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)! }
            _ = interpreter.interpret(bytes, secret: Bool.random(using: &rng))
        }
    }
}
