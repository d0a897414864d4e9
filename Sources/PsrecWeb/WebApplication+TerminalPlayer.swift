import Foundation
import Hummingbird
import PsrecCatalog
import PsrecFormat

/// The terminal player: its page, and what its script fetches.
///
/// ```
/// GET /api/recordings/UUID/index             duration, size, state, keyframes, indicators, activity
/// GET /api/recordings/UUID/segment?from=µs   the screen at a moment and the events after it
/// GET /api/recordings/UUID/segment?n=K       the same from keyframe K
/// GET /api/recordings/UUID/search?q=TEXT     where the recording showed TEXT
/// ```
///
/// The browser never loads a whole recording: a segment is a snapshot of the screen and
/// about `TerminalSegment.budgetBytes` of events after it, drawn from the nearest keyframe
/// stored (`KeyframeQueue` builds them in the background the first time the index is asked
/// for, and extends them as a live recording grows).
extension WebApplication {
    /// The page of a terminal recording: the player (xterm.js and psrec-terminal.js), its
    /// controls, the indicators, and the metadata. Every value from the recording is escaped;
    /// the script gets what it needs from `data-` attributes and the index.
    static func terminalPlayerBody(_ r: CatalogRecording, indicators: [CatalogIndicator], startMicros: Int64?, viewer: WebPage.Viewer) -> String {
        var html = "<h1>Recording <code>\(HTMLText.escape(r.uuid))</code></h1>\n"
        html += "<link rel=\"stylesheet\" href=\"/static/xterm.css\"><link rel=\"stylesheet\" href=\"/static/psrec-terminal.css\">\n"
        if !StaticFiles.xtermInstalled {
            html += "<p class=\"message\">The terminal player needs xterm.js: install Debian's libjs-xterm and node-xterm packages on the server (apt-get install libjs-xterm node-xterm) and restart psrec serve.</p>\n"
        }
        html += """
            <section id="tplayer" class="tplayer" data-recording="\(HTMLText.escape(r.uuid))" data-start="\(startMicros.map(String.init) ?? "")" \
            data-state="\(HTMLText.escape(r.state.rawValue))" data-start-unix="\(r.startMicros)">
            <div class="tp-screen" id="tp-screen"></div>
            <div class="tp-timeline" id="tp-timeline" title="Seek"><canvas class="tp-heat" id="tp-heat" width="1000" height="24"></canvas>
            <div class="tp-progress" id="tp-progress"></div><div class="tp-markers" id="tp-markers"></div></div>
            <div class="tp-controls">
            <button type="button" id="tp-play" title="Play or pause (space)">Play</button>
            <button type="button" id="tp-slower" title="Slower (-)">−</button><span id="tp-speed" class="tp-speed">1×</span>
            <button type="button" id="tp-faster" title="Faster (+)">+</button>
            <label><input type="checkbox" id="tp-skip" checked> Skip inactivity over</label>
            <input type="number" id="tp-skip-seconds" class="tp-seconds" value="2" min="0.1" max="3600" step="0.5"> s
            <span id="tp-time" class="tp-time">0:00</span>
            <span id="tp-clock" class="tp-clock"></span>
            <span id="tp-status" class="tp-status" role="status"></span>
            </div>
            <form id="tp-search" class="tp-search"><input type="search" id="tp-q" maxlength="200" placeholder="Text shown in this recording" aria-label="Search this recording">
            <button type="submit">Find</button> <button type="button" id="tp-next-hit">Next hit</button> <span id="tp-search-status"></span></form>
            <ol id="tp-hits" class="tp-hits"></ol>
            <h2>Indicators</h2>
            <ol id="tp-indicators" class="tp-indicators">
            """
        for indicator in indicators {
            html += "<li><button type=\"button\" data-t=\"\(indicator.timeMicros)\">\(HTMLText.escape(CatalogTime.duration(indicator.timeMicros)))</button> "
                + "<span class=\"tp-kind\">\(HTMLText.escape(indicator.kind.rawValue))</span> <span class=\"tp-detail\">\(HTMLText.escape(indicator.detail))</span></li>\n"
        }
        html += "</ol>\n<p class=\"tp-keys\">Keys: space play/pause, . step, [ ] previous/next indicator, + − speed, ← → 5 s.</p>\n</section>\n"
        html += metadataList(r)
        html += "<script src=\"/static/xterm.js\"></script><script src=\"/static/psrec-terminal.js\"></script>\n"
        return html
    }

    /// What the terminal player fetches: `index`, `segment` or `search` (see the type's
    /// documentation). Every parameter is checked: anything else is a 400 with a sentence.
    func terminalResource(_ resource: String, parameters: WebParameters, recording: CatalogRecording) async throws -> Response {
        switch resource {
        case "index":
            try Self.expect(parameters, only: [], resource: resource)
            let index = try await withCatalog { catalog in try Self.terminalIndex(recording, catalog: catalog) }
            if !index.keyframesBuilt { KeyframeQueue.shared.enqueue(recording, catalog: catalog, logger: logger) }
            return WebPage.json(.ok, index)
        case "segment":
            try Self.expect(parameters, only: ["from", "n"], resource: resource)
            let place = try Self.segmentPlace(parameters)
            do {
                let segment = try await withReplay { catalog in try Self.terminalSegment(recording, place: place, catalog: catalog) }
                return WebPage.json(.ok, segment)
            } catch let error as WebInputError where error.status == 503 {
                KeyframeQueue.shared.enqueue(recording, catalog: catalog, logger: logger)
                throw error
            }
        case "search":
            try Self.expect(parameters, only: ["q"], resource: resource)
            guard let text = parameters["q"] else { throw WebInputError("Give the text to search for as q.") }
            guard text.count <= 200 else { throw WebInputError("The text to search for is \(text.count) characters long; at most 200 are accepted.") }
            guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
                throw WebInputError("The text to search for needs at least one letter or digit.")
            }
            let hits = try await withCatalog { catalog in
                let found = try catalog.textHits(in: recording, text: text, limit: 200, contextCharacters: 40)
                let times = TerminalTextSearch.refinedTimes(found, reader: try RecordingReader(source: try catalog.content(of: recording)))
                return TerminalSearchAnswer(pending: recording.textPending || recording.state == .live || recording.state == .interrupted,
                                            hits: zip(found, times).map { hit, time in
                                                .init(t: time, before: Self.hitText(hit.before), match: Self.hitText(hit.match), after: Self.hitText(hit.after))
                                            })
            }
            return WebPage.json(.ok, hits)
        default:
            throw WebInputError("A terminal recording has no resource '\(resource)'; its player fetches index, segment and search.", status: 404)
        }
    }

    /// A hit's text on one line: line ends as ⏎, the other unsafe scalars made visible.
    static func hitText(_ text: String) -> String {
        UnsafeScalars.escape(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: " ⏎ "))
    }

    /// Refuses parameters that `resource` does not take.
    static func expect(_ parameters: WebParameters, only names: Set<String>, resource: String) throws(WebInputError) {
        for name in parameters.values.keys.sorted() where !names.contains(name) {
            let takes = names.isEmpty ? "takes no parameter" : "takes " + names.sorted().joined(separator: " or ")
            throw WebInputError("The \(resource) of a terminal recording has no parameter '\(name)'; it \(takes).")
        }
    }

    enum SegmentPlace: Sendable {
        case time(Int64)
        case keyframe(Int)
    }

    /// `from` (microseconds into the session) or `n` (a keyframe's number), exactly one.
    static func segmentPlace(_ parameters: WebParameters) throws(WebInputError) -> SegmentPlace {
        switch (parameters["from"], parameters["n"]) {
        case (let from?, nil):
            guard from.count <= 15, from.allSatisfy(\.isASCIINumberCharacter), let micros = Int64(from) else {
                throw WebInputError("from must be a time into the session in microseconds (0 to 15 digits), not '\(String(from.prefix(20)))'.")
            }
            return .time(micros)
        case (nil, let n?):
            guard n.count <= 9, n.allSatisfy(\.isASCIINumberCharacter), let number = Int(n) else {
                throw WebInputError("n must be a keyframe's number as the index lists them (0, 1, 2 …), not '\(String(n.prefix(20)))'.")
            }
            return .keyframe(number)
        case (nil, nil): throw WebInputError("A segment needs from (microseconds into the session) or n (a keyframe's number).")
        case (_?, _?): throw WebInputError("A segment takes from or n, not both.")
        }
    }

    /// The index of a terminal recording (see `TerminalIndex`).
    static func terminalIndex(_ recording: CatalogRecording, catalog: Catalog) throws -> TerminalIndex {
        let source = try catalog.content(of: recording)
        let reader = try RecordingReader(source: source)
        let keyframes = try catalog.keyframes(of: recording)
        let built = try catalog.keyframeContentBytes(of: recording).map { $0 >= source.size } ?? false
        let duration = max(recording.durationMicros, reader.durationMicros)
        let size = TerminalReplay.initialSize(reader)
        let indicators = try catalog.indicators(of: recording, limit: 5000).map {
            TerminalIndex.Indicator(t: $0.timeMicros, kind: $0.kind.rawValue, detail: UnsafeScalars.escape($0.detail))
        }
        return TerminalIndex(id: recording.uuid, state: recording.state.rawValue, startUnixMicros: recording.startMicros,
                             durationMicros: duration, columns: size.columns, rows: size.rows,
                             keyframes: keyframes.map(\.timeMicros), keyframesBuilt: built,
                             indicators: indicators, activity: .init(reader, durationMicros: duration),
                             textSearch: !recording.textPending, segmentBytes: TerminalSegment.budgetBytes)
    }

    /// Most stored bytes a segment request replays from the nearest keyframe: beyond, the
    /// answer is a 503 while the background build catches up (a fraction of a second of
    /// replay in a release build at the emulator's speed, at the compression of ordinary
    /// sessions; 4 MiB let one request replay for a minute in a debug build).
    static let replayLimitBytes: Int64 = 1 << 20

    /// The segment at `place` of a terminal recording.
    static func terminalSegment(_ recording: CatalogRecording, place: SegmentPlace, catalog: Catalog) throws -> TerminalSegment {
        let reader = try RecordingReader(source: try catalog.content(of: recording))
        switch place {
        case .time(let micros):
            let keyframe = try catalog.keyframe(of: recording, atOrBeforeMicros: micros)
            // Far from any keyframe built yet (a long recording seen for the first time): no
            // request replays minutes of output; the player asks again once they are built.
            let from = keyframe.map(\.chunkOffset) ?? reader.entries.first?.offset ?? 0
            let target = reader.entryIndex(atOrAfter: micros)
            let to = target < reader.entries.count ? reader.entries[target].offset : reader.source.size
            guard to - from <= replayLimitBytes else {
                throw WebInputError("This part of recording \(recording.uuid) is being prepared (its keyframes are being built); try again in a few seconds.", status: 503)
            }
            return TerminalSegment.make(reader, keyframe: keyframe, from: micros)
        case .keyframe(let n):
            let times = try catalog.keyframes(of: recording)
            if n == 0 && times.isEmpty {
                // Keyframe 0 is the recording's start, built or not.
                return TerminalSegment.make(reader, keyframe: nil, from: reader.entries.first?.startMicros ?? 0)
            }
            guard n < times.count else {
                throw WebInputError("Recording \(recording.uuid) has \(times.count) keyframes now; n must be below that.", status: 404)
            }
            let micros = times[n].timeMicros
            return TerminalSegment.make(reader, keyframe: try catalog.keyframe(of: recording, atOrBeforeMicros: micros), from: micros)
        }
    }
}

/// `GET /api/recordings/UUID/index` of a terminal recording. Times are microseconds into the
/// session; `startUnixMicros` is the session's start (UTC), for the clock beside them.
/// Indicator details and text are plain text (unsafe scalars such as U+202E shown as
/// `\u{202e}`); the player puts them in the page as text, never as markup.
struct TerminalIndex: Encodable {
    struct Indicator: Encodable {
        var t: Int64
        var kind: String
        var detail: String
    }

    /// Activity over time for the heat map: how many bytes of the file each bucket's
    /// chunks take (a chunk's share spread evenly over its time), in `values.count` buckets.
    struct Activity: Encodable {
        var bucketMicros: Int64
        var values: [Int64]

        static let buckets = 200

        init(_ reader: RecordingReader, durationMicros: Int64) {
            bucketMicros = max(1, (durationMicros + Int64(Self.buckets) - 1) / Int64(Self.buckets))
            var values = [Int64](repeating: 0, count: Self.buckets)
            let entries = reader.entries
            for (i, entry) in entries.enumerated() {
                let next = i + 1 < entries.count ? entries[i + 1].offset : reader.source.size
                let bytes = max(0, next - entry.offset)
                let first = Int(min(Int64(Self.buckets - 1), max(0, entry.startMicros) / bucketMicros))
                let last = Int(min(Int64(Self.buckets - 1), max(0, entry.endMicros) / bucketMicros))
                let share = bytes / Int64(last - first + 1)
                for b in first...max(first, last) { values[b] += share }
            }
            self.values = values
        }
    }

    var id: String
    var state: String
    var startUnixMicros: Int64
    var durationMicros: Int64
    var columns: Int
    var rows: Int
    var keyframes: [Int64]
    var keyframesBuilt: Bool
    var indicators: [Indicator]
    var activity: Activity
    var textSearch: Bool
    var segmentBytes: Int
}

/// `GET /api/recordings/UUID/search?q=TEXT`: where the recording showed the text (the
/// catalog's text rows, each hit's time made that of the output event that wrote it:
/// `TerminalTextSearch`).
/// `pending`: the recording's text is not indexed yet (imported with --defer-text, or
/// still being streamed), so hits may be missing.
struct TerminalSearchAnswer: Encodable {
    struct Hit: Encodable {
        var t: Int64
        var before: String
        var match: String
        var after: String
    }

    var pending: Bool
    var hits: [Hit]
}
