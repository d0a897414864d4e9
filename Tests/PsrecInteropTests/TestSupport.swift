import Foundation
import PsrecTestSupport
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
    static func path(of tool: String) -> String? { Tools.path(of: tool) }

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

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try Tools.run(executable, arguments)
    }

    /// Runs a shell command line inside a pseudo-terminal of 100x30 made by `script`.
    static func inTerminal(_ command: String) throws -> (status: Int32, output: String) { try Tools.inTerminal(command) }
}

/// Quotes a string for sh.
func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
