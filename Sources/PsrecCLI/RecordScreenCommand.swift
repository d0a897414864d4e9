import ArgumentParser
import Foundation
import PsrecCapture
import PsrecFormat
import PsrecScreen
import PsrecScreenCapture
#if canImport(Glibc)
import Glibc
#endif

/// Set from the signal handler; read by the capture loop.
nonisolated(unsafe) private var screenStopRequested: sig_atomic_t = 0

/// `psrec record-screen --display :N [-o FILE] [--user U] [--app A] [--host H] [--fps N] [--input]`.
struct RecordScreenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record-screen",
        abstract: "Record an X11 display (such as the one an RDP client is shown on) until stopped.",
        discussion: """
        The display is grabbed through shared memory only when the X server reports damage, at \
        most --fps times a second; only changed rectangles are written, with a keyframe every \
        30 seconds of activity, and nothing while the screen is idle. Mouse clicks become click \
        indicators, Enter and shortcuts (Ctrl, Alt or Super with a key) keyboard-command \
        indicators; typed text is recorded only with --input. A chunk is written at least every \
        second, so the file is a playable recording at every moment. SIGINT, SIGTERM or SIGHUP \
        stop the recording cleanly (final index and trailer).

        Exit status: 0 recorded; 3 the display cannot be opened or recorded, or the file cannot \
        be written; 64 usage error.
        """)

    @Option(help: ArgumentHelp("The X display to record, e.g. :99.", valueName: "display"))
    var display: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The .psrec file to write (default: a unique name in --dir).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Folder for the default file name.", valueName: "dir"))
    var dir: String = "."

    @Option(help: "User the session belongs to (default: this user).")
    var user: String?

    @Option(help: "Application the session belongs to.")
    var app: String?

    @Option(help: "Host the session runs on (default: this host's name).")
    var host: String?

    @Option(help: "Frames per second to look at, at most (1-60).")
    var fps: Int = 10

    @Flag(help: "Record keystrokes, and the typed line with each Enter.")
    var input = false

    @OptionGroup var compression: CompressionOptions

    @OptionGroup var streaming: StreamingOptions

    func validate() throws {
        guard (1...60).contains(fps) else { throw ValidationError("--fps must be between 1 and 60.") }
    }

    func run() throws {
        let capture: X11ScreenCapture
        do {
            capture = try X11ScreenCapture(display: display)
        } catch {
            Console.error(FailureTable.sentence(error.description))
            throw ExitCode(ExitStatus.invalid)
        }
        var meta = RecordingMetadata.terminalSession(user: user, application: app, host: host, command: [], environment: ProcessInfo.processInfo.environment,
                                                     size: (0, 0), captureTool: "psrec record-screen", captureToolVersion: PsrecVersion.string)
        meta.sessionProtocol = .rdp
        meta.terminal = nil
        meta.command = nil
        meta.remoteAddress = nil
        meta.extra = ["x_display": display]
        meta.screen = .init(width: capture.width, height: capture.height)
        let path = output ?? (dir as NSString).appendingPathComponent(meta.defaultFileName)
        let recorder: ScreenRecorder
        do {
            var options = try compression.writerOptions()
            options.sync = .everySeconds(1)
            let writer = try RecordingWriter(path: path, metadata: meta, options: options)
            recorder = ScreenRecorder(writer: writer, width: capture.width, height: capture.height, options: ScreenRecorderOptions(recordsKeys: input))
        } catch {
            Console.error(FailureTable.sentence(error.description))
            throw ExitCode(ExitStatus.invalid)
        }
        let (lock, stream): (SpoolLock?, RecordingStream?)
        do {
            (lock, stream) = try streaming.start(path: path)
        } catch let error as NetworkFileError {
            try? recorder.close()
            Console.error(error.description)
            throw ExitCode(ExitStatus.usage)
        }
        defer { lock?.release() }
        // A parent may have spawned us with these signals blocked (Foundation's Process does);
        // a recorder that cannot be stopped cleanly would never write its trailer.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { _ in screenStopRequested = 1 }
            sigaddset(&stopSignals, sig)
        }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        Console.error("Recording \(TerminalSafe.escape(display)) (\(capture.width)x\(capture.height)) to \(TerminalSafe.escape(path)); stop with Ctrl-C or SIGTERM.")
        do {
            let end = try capture.run(recorder: recorder, framesPerSecond: fps) { screenStopRequested != 0 }
            try recorder.close(endMicros: end)
        } catch {
            try? recorder.close()
            stream?.finish(path: path)
            Console.error("Recording stopped: \(TerminalSafe.escape("\(error)")).")
            throw ExitCode(ExitStatus.invalid)
        }
        stream?.finish(path: path)
        let s = recorder.statistics
        Console.error("Wrote \(TerminalSafe.escape(path)): \(s.keyframes) keyframes, \(s.deltas) deltas, \(s.identicalFrames) unchanged frames, \(s.clicks) clicks, \(s.commands) commands, \(recorder.writer.bytesWritten) bytes.")
    }
}
