import Foundation
import PsrecCatalog
import PsrecFormat

/// What the screen player loads first (`GET /api/recordings/UUID/index`): the recording's
/// size, state and times, its segments, indicators, idle stretches and an activity heat map.
/// Built from the seek index and the catalog's indicators: no chunk is decoded, so it costs
/// the same for a one-minute and a ten-hour recording (a live one is scanned header by
/// header, as the reader opens any file without a trailer).
///
/// JSON (keys sorted):
///
/// ```
/// {"durationMicros", "height", "width", "id", "live", "state", "startUnixMicros",
///  "segments": [[startMicros, endMicros, chunkCount], …],   // segment n is ?n= of /segment
///  "idle": [[fromMicros, toMicros], …],                      // no event for ≥ 1 s
///  "heat": [0…100, …], "heatBinMicros",                      // events per bin (≤ 240 bins of ≥ 1 s), scaled
///  "indicators": [{"kind", "timeMicros", "detail", "x"?, "y"?, "button"?}, …]}
/// ```
struct ScreenIndex: Encodable {
    struct Indicator: Encodable {
        var kind: String
        var timeMicros: Int64
        var detail: String
        var x: Int?
        var y: Int?
        var button: Int?
    }

    var id: String
    var state: String
    var live: Bool
    var startUnixMicros: Int64
    var durationMicros: Int64
    var width: Int
    var height: Int
    var segments: [[Int64]]
    var idle: [[Int64]]
    var heat: [Int]
    var heatBinMicros: Int64
    var indicators: [Indicator]

    /// Shortest stretch without events listed in `idle`.
    static let minIdleMicros: Int64 = 1_000_000
    /// Most bins of the heat map.
    static let heatBins = 240
    /// Shortest bin of the heat map.
    static let minHeatBinMicros: Int64 = 1_000_000

    init(recording: CatalogRecording, reader: RecordingReader, indicators: [CatalogIndicator]) {
        id = recording.uuid
        state = recording.state.rawValue
        live = recording.state == .live
        startUnixMicros = reader.metadata?.startUnixMicros ?? recording.startMicros
        let entries = reader.entries
        durationMicros = max(reader.durationMicros, entries.last?.endMicros ?? 0)
        width = max(0, min(reader.metadata?.screen?.width ?? 0, Limits.maxScreenDimension))
        height = max(0, min(reader.metadata?.screen?.height ?? 0, Limits.maxScreenDimension))
        segments = ScreenSegmentPlan(entries).segments.map { [$0.startMicros, $0.endMicros, Int64($0.entryCount)] }
        var idle: [[Int64]] = []
        var lastEnd: Int64 = 0
        for entry in entries {
            if entry.startMicros - lastEnd >= Self.minIdleMicros { idle.append([lastEnd, entry.startMicros]) }
            lastEnd = max(lastEnd, entry.endMicros)
        }
        self.idle = idle
        // Bins of at least a second (a chunk spans about one), at most `heatBins` of them;
        // each chunk's events are spread over the bins its time range covers.
        let bin = max(Self.minHeatBinMicros, (durationMicros + Int64(Self.heatBins) - 1) / Int64(Self.heatBins))
        let bins = max(1, Int((durationMicros + bin - 1) / bin))
        var counts = [Int](repeating: 0, count: bins)
        for entry in entries {
            let first = min(bins - 1, max(0, Int(entry.startMicros / bin))), last = min(bins - 1, max(first, Int(entry.endMicros / bin)))
            let share = max(1, entry.eventCount / (last - first + 1))
            for b in first...last { counts[b] += share }
        }
        let top = max(1, counts.max() ?? 1)
        heat = counts.map { $0 == 0 ? 0 : max(1, $0 * 100 / top) }
        heatBinMicros = bin
        self.indicators = indicators.map { indicator in
            var out = Indicator(kind: indicator.kind.rawValue, timeMicros: indicator.timeMicros, detail: indicator.detail)
            if indicator.kind == .click {
                // The index writes a click's detail as "x,y,button".
                let parts = indicator.detail.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                if parts.count == 3, let x = parts[0], let y = parts[1], let button = parts[2] {
                    out.x = x; out.y = y; out.button = button
                }
            }
            return out
        }
    }
}
