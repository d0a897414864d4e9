import ArgumentParser
import Foundation
import Testing
@testable import PsrecCLI
import PsrecFormat
import PsrecPlayback
import PsrecTestSupport
import PsrecTerminal

@Suite struct PlayCommandTests {
    @Test func playsTheVectorToAPipeExactlyAsCatWritesIt() throws {
        let file = CLI.vector("terminal-zstd.psrec")
        let cat = try CLI.run(["cat", file])
        let started = Date()
        let played = try CLI.run(["play", "--skip-inactivity=0.01", "-s", "100", file])
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.stdout == cat.stdout)
        #expect(!played.stdout.isEmpty)
        #expect(played.stderr.isEmpty)
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test(arguments: [
        ["--skip-inactivity", "-s", "100"],       // flag form before the file
        ["-s", "100", "--skip-inactivity"],       // flag form last
        ["-s", "50", "--skip-inactivity", "20ms"],
        ["--speed=1024"],
    ])
    func skipInactivityWithAndWithoutAValue(options: [String]) throws {
        let file = CLI.vector("terminal-zstd.psrec")
        let args: [String] = options.first == "--skip-inactivity" ? ["play"] + options + [file] : ["play", file] + options
        let played = try CLI.run(args)
        #expect(played.status == 0, "\(args) \(played.stderr)")
        #expect(played.stdout == (try CLI.run(["cat", file])).stdout)
    }

    @Test func truncatedFilesPlayToTheirLastChunkWithANote() throws {
        let file = CLI.vector("truncated.psrec")
        let played = try CLI.run(["play", "-s", "1024", "--skip-inactivity=1ms", file])
        #expect(played.status == 1)
        #expect(played.stdout == (try CLI.run(["cat", file])).stdout)
        #expect(played.stderr.contains("truncated"))
    }

    @Test func fromRebuildsThenPlaysTheRest() throws {
        let file = CLI.vector("terminal-zstd.psrec")
        let played = try CLI.run(["play", "--from", "3s", "-s", "1024", file])
        #expect(played.status == 0)
        #expect(played.stdout == (try CLI.run(["cat", file])).stdout)
    }

    @Test func errorsAndUsage() throws {
        let notPsrec = try CLI.run(["play", CLI.vector("terminal-zstd.events.jsonl")])
        #expect(notPsrec.status == 3)
        #expect(notPsrec.stderr.contains("not a psrec file"))
        #expect(try CLI.run(["play", "-s", "0", CLI.vector("terminal-zstd.psrec")]).status == 64)
        #expect(try CLI.run(["play", "--skip-inactivity=2x", CLI.vector("terminal-zstd.psrec")]).status == 64)
        #expect(try CLI.run(["play", "--skip-inactivity=-1", CLI.vector("terminal-zstd.psrec")]).status == 64)
        #expect(try CLI.run(["play", "--from", "later", CLI.vector("terminal-zstd.psrec")]).status == 64)
    }

    @Test func helpDocumentsTheOptionsAndKeys() throws {
        let help = try CLI.run(["play", "--help"]).text
        #expect(help.contains("--skip-inactivity [<seconds>]"))
        #expect(help.contains("-s, --speed <speed>"))
        #expect(help.contains("space pause/resume"))
        #expect(help.contains("window"))
    }

    @Test func parsesTheSkipInactivityForms() throws {
        let file = "x.psrec"
        #expect(try PlayCommand.parse([file]).skipInactivity == nil)
        #expect(try PlayCommand.parse([file, "--skip-inactivity"]).skipInactivity?.micros == 1_000_000)
        #expect(try PlayCommand.parse(["--skip-inactivity", file]).skipInactivity?.micros == 1_000_000)
        #expect(try PlayCommand.parse(["--skip-inactivity", file]).input.file == file)
        #expect(try PlayCommand.parse([file, "--skip-inactivity=2.5"]).skipInactivity?.micros == 2_500_000)
        #expect(try PlayCommand.parse([file, "--skip-inactivity=500ms"]).skipInactivity?.micros == 500_000)
    }
}

@Suite struct TerminalPlayerOutputTests {
    @Test func statusWaitsForTheEndOfARecordedSequence() {
        var written: [UInt8] = []
        let output = TerminalPlayerOutput(isTerminal: true, sink: { written += $0 })
        output.write(Array("\u{1B}[3".utf8))
        output.showStatus(line: "hello")
        #expect(written == Array("\u{1B}[3".utf8))
        output.write(Array("2mé".utf8).dropLast())          // the colour ends, é is cut in half
        #expect(!String(decoding: written, as: UTF8.self).contains("hello"))
        output.write([Array("é".utf8).last!])
        #expect(String(decoding: written, as: UTF8.self).hasSuffix("\u{1B}[32mé\u{1B}]2;hello\u{07}"))
    }

    @Test func statusTextCannotCarryControls() {
        var written: [UInt8] = []
        let output = TerminalPlayerOutput(isTerminal: true, sink: { written += $0 })
        output.showStatus(line: "a\u{07}b\u{1B}c\u{9B}d")
        #expect(written == Array("\u{1B}]2;abcd\u{07}".utf8))
    }

    @Test func statusLineShowsTimeSpeedAndTheNextIndicatorEscaped() {
        let marker = Indicator(timeMicros: 2_000_000, kind: .marker, chunkOffset: 0, detail: "evil\u{1B}]2;owned\u{07}")
        var status = PlayerStatus(state: .playing, timeMicros: 0, durationMicros: 3_000_000, speed: 2, idleCapMicros: 1_500_000,
                                  nextIndicator: marker, sizeMismatch: nil)
        #expect(status.line == "psrec playing 0:00 / 0:03 | speed x2 | idle cap 1.5s | next marker at 0:02: evil\\x1b]2;owned\\x07 | keys: space . [ ] + - q")
        #expect(!status.line.unicodeScalars.contains { $0.value < 0x20 })
        status.state = .ended
        status.timeMicros = 3_000_000
        status.nextIndicator = nil
        status.sizeMismatch = PlayerStatus.SizeMismatch(recordedColumns: 132, recordedRows: 43, viewerColumns: 80, viewerRows: 24)
        #expect(status.line == "psrec ended 0:03 / 0:03 | speed x2 | idle cap 1.5s | no further indicator | recorded at 132x43, this terminal is 80x24")
    }

    @Test func keysStandForPlayerCommands() {
        #expect(PlayerKey(UInt8(ascii: " "))?.command == .pauseResume)
        #expect(PlayerKey(UInt8(ascii: "."))?.command == .step)
        #expect(PlayerKey(UInt8(ascii: "]"))?.command == .nextIndicator)
        #expect(PlayerKey(UInt8(ascii: "["))?.command == .previousIndicator)
        #expect(PlayerKey(UInt8(ascii: "="))?.command == .faster)
        #expect(PlayerKey(UInt8(ascii: "_"))?.command == .slower)
        #expect(PlayerKey(0x03)?.command == .quit)
        #expect(PlayerKey(UInt8(ascii: "x")) == nil)
    }

    @Test func notATerminalWritesOnlyRecordedBytes() {
        var written: [UInt8] = []
        let output = TerminalPlayerOutput(isTerminal: false, sink: { written += $0 })
        output.write([0x41])
        output.showStatus(line: "status")
        output.resetScreen()
        #expect(written == [0x41])
    }

    @Test(arguments: [
        ("plain text", true), ("\u{1B}", false), ("\u{1B}[", false), ("\u{1B}[1;2", false), ("\u{1B}[1;2H", true),
        ("\u{1B}]0;title", false), ("\u{1B}]0;title\u{07}", true), ("\u{1B}]0;t\u{1B}\\", true), ("\u{1B}P1$r", false),
        ("\u{1B}(", false), ("\u{1B}(B", true), ("\u{1B}[12\u{18}", true), ("\u{1B}c", true),
    ])
    func trackerFindsSequenceBoundaries(text: String, atBoundary: Bool) {
        var tracker = TerminalParser()
        tracker.feed(Array(text.utf8))
        #expect(tracker.isAtBoundary == atBoundary, "\(TerminalSafe.escape(text))")
    }

    @Test func trackerWaitsForWholeUTF8Characters() {
        var tracker = TerminalParser()
        let bytes = Array("€😀".utf8)
        for (i, b) in bytes.enumerated() {
            tracker.feed([b])
            #expect(tracker.isAtBoundary == (i == 2 || i == 6))
        }
    }
}
