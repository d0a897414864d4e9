import Foundation
import PsrecFormat
import PsrecInterop
import Testing

/// A conversion done in memory and read back.
struct Converted {
    let report: ConversionReport
    let reader: RecordingReader
    let events: [TimedEvent]

    var metadata: RecordingMetadata? { reader.metadata }

    /// Every output event's bytes, concatenated.
    var output: [UInt8] {
        events.reduce(into: []) { all, e in if case .output(let bytes) = e.event { all += bytes } }
    }

    /// Events other than output.
    var nonOutput: [TimedEvent] {
        events.filter { if case .output = $0.event { false } else { true } }
    }
}

/// Converts `bytes` into a memory sink and reads the recording back.
func convertInMemory(_ bytes: [UInt8], name: String = "demo.cast", options: ConversionOptions = ConversionOptions()) throws -> Converted {
    let sink = MemorySink()
    let report = try Converter.convert(input: bytes, name: name, sink: sink, options: options)
    let reader = try RecordingReader(source: MemorySource(sink.bytes))
    #expect(reader.status == .complete)
    return Converted(report: report, reader: reader, events: Array(reader.events()))
}

/// `convertInMemory` for text.
func convertInMemory(_ text: String, name: String = "demo.cast", lenient: Bool = false) throws -> Converted {
    try convertInMemory(Array(text.utf8), name: name, options: ConversionOptions(lenient: lenient))
}

/// The error a conversion throws, or nil.
func conversionError(_ text: String, name: String = "demo.cast", lenient: Bool = false) -> ConversionError? {
    conversionError(Array(text.utf8), name: name, lenient: lenient)
}

func conversionError(_ bytes: [UInt8], name: String = "demo.cast", lenient: Bool = false) -> ConversionError? {
    do {
        _ = try Converter.convert(input: bytes, name: name, sink: MemorySink(), options: ConversionOptions(lenient: lenient))
        return nil
    } catch {
        return error
    }
}

/// A ttyrec frame.
func ttyrecFrame(seconds: UInt32, micros: UInt32, _ payload: [UInt8]) -> [UInt8] {
    var frame: [UInt8] = []
    for value in [seconds, micros, UInt32(payload.count)] {
        for shift in stride(from: 0, to: 32, by: 8) { frame.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
    return frame + payload
}

/// A fresh temporary directory, removed by the caller with `removeItem`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-interop-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The real recorders on this machine, found on PATH and checked to run.
enum Recorders {
    static func path(of tool: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `script` from util-linux provides the pseudo-terminal the recorders need.
    static let script: String? = path(of: "script")

    static let asciinema: String? = {
        guard script != nil, let path = path(of: "asciinema"),
              let result = try? run(path, ["--version"]), result.status == 0 else { return nil }
        return path
    }()

    static let ttyrec: String? = {
        guard script != nil, let path = path(of: "ttyrec") else { return nil }
        return path
    }()

    static var hasAsciinema: Bool { asciinema != nil }
    static var hasTtyrec: Bool { ttyrec != nil }

    /// Runs a program to completion with no input; returns its exit status and output.
    ///
    /// The program is started from a thread with no signal blocked: a child inherits the
    /// signal mask of the thread that spawns it, test-runner threads block most signals,
    /// and ttyrec with SIGCHLD blocked never notices its shell has exited.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        final class Outcome: @unchecked Sendable {
            var value: Result<(status: Int32, output: String), any Error> = .failure(CocoaError(.executableNotLoadable))
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            outcome.value = Result { try spawn(executable, arguments) }
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.value.get()
    }

    private static func spawn(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // An input that stays open: at end of input script(1) sends the terminal's EOF
        // character, which a pty set up without a terminal echoes into the log as "^@".
        let input = Pipe()
        process.standardInput = input
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a shell command line inside a pseudo-terminal of 100x30 made by `script`.
    static func inTerminal(_ command: String) throws -> (status: Int32, output: String) {
        guard let script else { throw CocoaError(.executableNotLoadable) }
        return try run(script, ["-qec", "stty cols 100 rows 30; " + command, "/dev/null"])
    }
}

/// Quotes a string for sh.
func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
