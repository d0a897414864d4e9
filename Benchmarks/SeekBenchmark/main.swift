// psrec-seek-benchmark FILE [FRACTION] [RUNS]
//
// The seek row of Benchmarks/run, measured inside one process, as `psrec play` and capture
// tools use the library: open a recording, seek to FRACTION (default 0.9) of its duration
// through the index and read the first event there, versus decoding every event of the same
// file. Each is timed RUNS times (default 20, interleaved, after one warm-up) with a fresh
// RecordingReader; prints one JSON object with the medians in seconds.
// Built by `swift build` (it is small), run only by Benchmarks/run.

import Foundation
import PsrecFormat

struct Found: Error {}

func seconds(_ start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let arguments = CommandLine.arguments
guard arguments.count >= 2, arguments.count <= 4,
      let fraction = Double(arguments.count > 2 ? arguments[2] : "0.9"), (0...1).contains(fraction),
      let runs = Int(arguments.count > 3 ? arguments[3] : "20"), runs > 0 else {
    FileHandle.standardError.write(Data("usage: psrec-seek-benchmark FILE [FRACTION 0...1] [RUNS]\n".utf8))
    exit(64)
}
let path = arguments[1]

/// Opens the file, seeks, and returns the first event's time.
func seek() throws -> Int64 {
    let reader = try RecordingReader(path: path)
    let at = Int64(Double(reader.durationMicros) * fraction)
    var first: Int64 = -1
    do {
        try reader.forEachEvent(fromMicros: at) { event in
            first = event.timeMicros
            throw Found()
        }
    } catch is Found {}
    return first
}

/// Opens the file and decodes every event; returns the output byte count.
func fullDecode() throws -> Int {
    let reader = try RecordingReader(path: path)
    var bytes = 0
    try reader.forEachEvent { event in
        if event.type == .output { bytes += event.body.count }
    }
    return bytes
}

do {
    var seekTimes: [Double] = [], decodeTimes: [Double] = []
    var firstEvent: Int64 = 0, outputBytes = 0
    for run in 0...runs {
        var start = DispatchTime.now()
        firstEvent = try seek()
        let s = seconds(start)
        start = DispatchTime.now()
        outputBytes = try fullDecode()
        let d = seconds(start)
        if run > 0 {  // run 0 warms the page cache
            seekTimes.append(s)
            decodeTimes.append(d)
        }
    }
    print("{\"seek_s\": \(median(seekTimes)), \"decode_s\": \(median(decodeTimes)), \"runs\": \(runs), "
          + "\"first_event_us\": \(firstEvent), \"output_bytes\": \(outputBytes)}")
} catch {
    FileHandle.standardError.write(Data("psrec-seek-benchmark: \(path): \(error)\n".utf8))
    exit(3)
}
