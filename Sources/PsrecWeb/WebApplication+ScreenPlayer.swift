import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PsrecCatalog
import PsrecFormat

extension WebApplication {
    /// The page of a screen recording: a canvas the script `/static/screen-player.js` draws
    /// from the recording's segments (`ScreenSegment`), its controls, timeline and
    /// indicator list, then the metadata. Nothing from the recording is in the markup but
    /// escaped text: the script reads the rest from `/api/…/index` as JSON and shows it with
    /// `textContent`. Without script, the indicators are a table (`indicatorTable`).
    static func screenPlayerBody(_ r: CatalogRecording, indicators: [CatalogIndicator], startMicros: Int64?, viewer: WebPage.Viewer) -> String {
        let id = HTMLText.escape(r.uuid)
        let speeds = ["0.5", "1", "2", "4", "8", "16", "20"].map { "<option value=\"\($0)\"\($0 == "1" ? " selected" : "")>\($0)×</option>" }.joined()
        return """
            <link rel="stylesheet" href="/static/screen-player.css">
            <h1>Recording <code>\(id)</code></h1>
            <div id="screen-player" class="screen-player" data-id="\(id)" data-start-micros="\(startMicros ?? -1)" data-state="\(HTMLText.escape(r.state.rawValue))">
            <p id="sp-status" class="sp-status" role="status">Loading…</p>
            <div class="sp-stage"><canvas id="sp-screen" width="1024" height="768"></canvas><canvas id="sp-overlay"></canvas></div>
            <canvas id="sp-timeline" class="sp-timeline" height="32" title="Seek: click a moment. Activity is darker, indicators are ticks."></canvas>
            <div class="sp-controls">
            <button type="button" id="sp-play" title="Play or pause (space)">Play</button>
            <span><span id="sp-time">0:00</span> / <span id="sp-duration">0:00</span></span>
            <span title="Real time (UTC) of the moment shown"><span id="sp-clock">-</span> UTC</span>
            <label>Speed <select id="sp-speed" title="Speed (+ and -)">\(speeds)</select></label>
            <label><input type="checkbox" id="sp-skip" checked> Skip inactivity over</label>
            <label><input type="number" id="sp-threshold" min="1" max="600" step="1" value="2"> s</label>
            <button type="button" id="sp-live" hidden>Go live</button>
            </div>
            <p class="sp-keys">Keys: space play/pause · . next event · [ ] previous/next indicator · + - speed · ← → 5 s · 0–9 jump to 0–90 %</p>
            <h2>Indicators</h2>
            <ol id="sp-indicators" class="sp-indicators"></ol>
            <noscript>\(indicatorTable(indicators))</noscript>
            </div>
            <h2>Recording</h2>
            \(metadataList(r))<script src="/static/screen-player.js"></script>
            """
    }

    /// What the screen player fetches:
    /// - `index`: `ScreenIndex` as JSON; no parameters.
    /// - `segment?n=N`: segment N of the index's list (`ScreenSegment`), binary.
    /// Any other parameter, or a malformed one, is a 400 with a sentence.
    func screenResource(_ resource: String, parameters: WebParameters, recording: CatalogRecording) async throws -> Response {
        switch resource {
        case "index":
            try Self.onlyParameters([], parameters, of: "index")
            let index = try await withCatalog { catalog in
                let reader = try Self.screenReader(catalog, recording)
                return ScreenIndex(recording: recording, reader: reader, indicators: try catalog.indicators(of: recording))
            }
            return WebPage.json(.ok, index)
        case "segment":
            try Self.onlyParameters(["n"], parameters, of: "segment")
            guard let text = parameters["n"] else {
                throw WebInputError("A segment is asked for with n, its number in the index's list of segments (0, 1, 2, …).")
            }
            guard text.count <= 9, text.allSatisfy(\.isASCIINumberCharacter), let n = Int(text) else {
                throw WebInputError("The segment number '\(String(text.prefix(32)))' is not a segment number: give its place in the index's list, a whole number from 0 of at most 9 digits.")
            }
            let wire: [UInt8] = try await withReplay { catalog in
                let reader = try Self.screenReader(catalog, recording)
                let plan = ScreenSegmentPlan(reader.entries)
                guard n < plan.segments.count else {
                    throw WebInputError("Recording \(recording.uuid) has \(plan.segments.count) segments (0 to \(plan.segments.count - 1)); there is no segment \(n).")
                }
                do {
                    return try ScreenSegment.wire(try ScreenSegment.body(reader, segment: plan.segments[n]))
                } catch let refusal as ScreenSegment.Refusal {
                    throw WebInputError(refusal.sentence, status: 422)
                }
            }
            var headers = WebPage.pageHeaders
            headers[.contentType] = "application/octet-stream"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: wire)))
        default:
            throw WebInputError("A screen recording has no resource '\(resource)'; its player fetches index and segment.", status: 404)
        }
    }

    /// Throws a 400 naming the first parameter that `resource` does not take.
    static func onlyParameters(_ allowed: Set<String>, _ parameters: WebParameters, of resource: String) throws(WebInputError) {
        for name in parameters.values.keys.sorted() where !allowed.contains(name) {
            let takes = allowed.isEmpty ? "takes no parameter" : "takes only " + allowed.sorted().joined(separator: ", ")
            throw WebInputError("The screen player's \(resource) \(takes); '\(name)' is not one of them.")
        }
    }

    /// The recording's stored bytes, opened (a live one up to its last committed chunk).
    static func screenReader(_ catalog: Catalog, _ recording: CatalogRecording) throws -> RecordingReader {
        do {
            return try RecordingReader(source: try catalog.content(of: recording))
        } catch let error as FormatError {
            throw WebInputError("Recording \(recording.uuid) cannot be read from the catalog: \(error.message)", status: 422)
        }
    }
}
