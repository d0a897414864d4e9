import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PsrecCatalog
import PsrecFormat

extension WebApplication {
    /// `GET /recordings/UUID[?t=TIME]`: the player of one recording (terminal or screen, by
    /// its protocol), for a visitor who may see it (owner, assigned auditor, application
    /// manager). Every view and every refusal is in the audit log with the client's address.
    /// A recording that does not exist is refused exactly as one the visitor may not see, so
    /// that the answer does not tell which recordings exist.
    func recordingPage(_ request: Request, id: String, context: WebRequestContext) async throws -> Response {
        let parameters = try WebParameters(encoded: request.uri.query.map { Substring($0) })
        for name in parameters.values.keys where name != "t" {
            throw WebInputError("A recording's page has no parameter '\(name)'; it takes t (a time into the session, such as 83 or 1:23).")
        }
        let startMicros = try parameters["t"].map { value throws(WebInputError) in try Self.sessionTime(value) }
        let uuid = try Self.recordingID(id)
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        guard let (recording, indicators) = try await viewable(uuid, visitor: visitor, context: context, what: "web player", withIndicators: true) else {
            return Self.refusal(uuid, visitor: visitor)
        }
        let body = recording.sessionProtocol == .rdp
            ? Self.screenPlayerBody(recording, indicators: indicators, startMicros: startMicros, viewer: visitor.viewer)
            : Self.terminalPlayerBody(recording, indicators: indicators, startMicros: startMicros, viewer: visitor.viewer)
        return WebPage.response(.ok, html: WebPage.document(title: "Recording \(recording.uuid.prefix(8))", viewer: visitor.viewer, body: body))
    }

    /// `GET /api/recordings/UUID/RESOURCE[?…]`: what a player fetches (index, segments,
    /// frames), answered in JSON or binary by the terminal or screen player's code. The
    /// rights are checked at every request, exactly as for the page, and each request is a
    /// row of the audit log ("view", with the resource and the client's address).
    func recordingResource(_ request: Request, path: Substring, context: WebRequestContext) async throws -> Response {
        let parts = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[1].count <= 32,
              parts[1].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw WebInputError("A player's resource is /api/recordings/UUID/NAME, NAME being letters, digits and dashes.", status: 404)
        }
        let uuid = try Self.recordingID(String(parts[0])), resource = String(parts[1])
        let parameters = try WebParameters(encoded: request.uri.query.map { Substring($0) })
        guard let visitor = try await visitor(request, context: context) else {
            throw WebInputError("Log in first: this resource is only for a logged-in user.", status: 401)
        }
        // A search inside the recording is audited with what was searched for.
        let what = resource == "search" ? "web search for '\(String((parameters["q"] ?? "").prefix(200)))'" : "web \(resource)"
        guard let (recording, _) = try await viewable(uuid, visitor: visitor, context: context, what: what, withIndicators: false) else {
            throw WebInputError("You may not see recording \(uuid), or it is not in the catalog; the refusal was recorded.", status: 403)
        }
        return recording.sessionProtocol == .rdp
            ? try await screenResource(resource, parameters: parameters, recording: recording)
            : try await terminalResource(resource, parameters: parameters, recording: recording)
    }

    /// The recording `uuid` when `visitor` may see it, with its indicators when asked; nil
    /// (after writing the refusal to the audit log) when it does not exist or they may not.
    /// A view is written to the audit log as `view` with `what` and the client's address.
    func viewable(_ uuid: String, visitor: Visitor, context: WebRequestContext, what: String, withIndicators: Bool) async throws -> (CatalogRecording, [CatalogIndicator])? {
        let principal = visitor.principal, peer = address(context)
        return try await withCatalog { catalog in
            let lookup = Result<CatalogRecording, CatalogError> { () throws(CatalogError) in try catalog.recording(uuid) }
            if case .failure(let error) = lookup, error.code == .notFound {
                try catalog.auditWeb(actor: principal.auditName, action: "refused", detail: "\(what) of \(uuid), which is not in the catalog, from \(peer)")
                return nil
            }
            let recording = try lookup.get()
            let allowed = Result<Void, CatalogError> { () throws(CatalogError) in
                try catalog.authorize(.view, recording, as: principal, note: "\(what) from \(peer)")
            }
            if case .failure(let error) = allowed {
                if error.code == .refused { return nil }
                throw error
            }
            return (recording, withIndicators ? try catalog.indicators(of: recording) : [])
        }
    }

    static func refusal(_ uuid: String, visitor: Visitor) -> Response {
        WebPage.message(.forbidden, title: "Refused", sentence: "You may not see recording \(uuid), or it is not in the catalog; the refusal was recorded.", viewer: visitor.viewer)
    }

    /// A recording ID as the catalog writes it (lower case), from a whole UUID.
    static func recordingID(_ id: String) throws(WebInputError) -> String {
        guard id.count == 36, let uuid = UUID(uuidString: id) else {
            throw WebInputError("'\(String(id.prefix(64)))' is not a recording ID; a recording is named by its whole UUID.")
        }
        return uuid.uuidString.lowercased()
    }

    /// A time into the session as a deep link gives it: seconds (`83`, `83.5`), or
    /// `M:SS` / `H:MM:SS` (`1:23`, `1:02:03.5`); in microseconds.
    static func sessionTime(_ text: String) throws(WebInputError) -> Int64 {
        let bad = WebInputError("The time '\(String(text.prefix(32)))' is not a time into the session; give seconds (83) or minutes and seconds (1:23).")
        guard text.count <= 16 else { throw bad }
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(fields.count) else { throw bad }
        var micros: Int64 = 0
        for (i, field) in fields.enumerated() {
            let last = i == fields.count - 1
            let parts = field.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
            guard let whole = parts.first, !whole.isEmpty, whole.count <= 9, whole.allSatisfy(\.isASCIINumberCharacter),
                  let value = Int64(whole) else { throw bad }
            if i > 0 && value >= 60 { throw bad }
            micros = micros * 60 + value * 1_000_000
            if parts.count == 2 {
                guard last, !parts[1].isEmpty, parts[1].count <= 6, parts[1].allSatisfy(\.isASCIINumberCharacter) else { throw bad }
                micros += Int64(parts[1] + String(repeating: "0", count: 6 - parts[1].count))!
            }
        }
        return micros
    }

    /// The recording's metadata, as a definition list (escaped).
    static func metadataList(_ r: CatalogRecording) -> String {
        var html = "<dl class=\"meta\">"
        let rows: [(String, String)] = [
            ("Status", r.state.rawValue), ("Start (UTC)", CatalogTime.iso(r.startMicros)), ("Duration", CatalogTime.duration(r.durationMicros)),
            ("User", r.user ?? "-"), ("Owner", r.owner ?? "-"), ("Application", r.application ?? "-"), ("Host", r.host ?? "-"),
            ("Remote address", r.remoteAddress ?? "-"), ("Protocol", r.sessionProtocol.rawValue), ("Size", "\(r.fileBytes) bytes"),
            ("SHA-256", r.sha256), ("Legal hold", r.legalHold ? "yes" : "no"),
        ]
        for (name, value) in rows {
            let live = name == "Status" && r.state == .live ? " class=\"live\"" : ""
            html += "<dt>\(name)</dt><dd\(live)>\(HTMLText.escape(value))</dd>"
        }
        return html + "</dl>\n"
    }

    /// The indicators as a table (escaped).
    static func indicatorTable(_ indicators: [CatalogIndicator]) -> String {
        var html = "<h2>Indicators</h2>\n"
        if indicators.isEmpty { return html + "<p>None.</p>\n" }
        html += "<table><thead><tr><th>At</th><th>Kind</th><th>Detail</th></tr></thead><tbody>\n"
        for indicator in indicators {
            html += "<tr><td>\(HTMLText.escape(CatalogTime.duration(indicator.timeMicros)))</td><td>\(HTMLText.escape(indicator.kind.rawValue))</td><td>\(HTMLText.escape(indicator.detail))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
