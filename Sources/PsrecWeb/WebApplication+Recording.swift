import Foundation
import Hummingbird
import PsrecCatalog
import PsrecFormat

extension WebApplication {
    /// `GET /recordings/UUID[?t=SECONDS]`: one recording's metadata and indicators, for a
    /// visitor who may see it (owner, assigned auditor, application manager). Every view and
    /// every refusal is in the audit log with the client's address. A recording that does
    /// not exist is refused exactly as one the visitor may not see, so that the answer does
    /// not tell which recordings exist. The player will take this page's place.
    func recordingPage(_ request: Request, id: String, context: WebRequestContext) async throws -> Response {
        let parameters = try WebParameters(encoded: request.uri.query.map { Substring($0) })
        for name in parameters.values.keys where name != "t" {
            throw WebInputError("A recording's page has no parameter '\(name)'; it takes t (seconds into the session).")
        }
        var startSeconds: Int?
        if let t = parameters["t"] {
            guard t.count <= 9, t.allSatisfy({ $0.isASCIINumberCharacter }), let seconds = Int(t) else {
                throw WebInputError("The time '\(t)' is not a number of seconds into the session; give a whole number such as 83.")
            }
            startSeconds = seconds
        }
        guard let uuid = UUID(uuidString: id)?.uuidString.lowercased(), id.count == 36 else {
            throw WebInputError("'\(id)' is not a recording ID; a recording's page is /recordings/ followed by its whole UUID.")
        }
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        let principal = visitor.principal, peer = address(context)
        let seen: (CatalogRecording, [CatalogIndicator])? = try await withCatalog { catalog in
            let lookup = Result<CatalogRecording, CatalogError> { () throws(CatalogError) in try catalog.recording(uuid) }
            if case .failure(let error) = lookup, error.code == .notFound {
                try catalog.auditWeb(actor: principal.auditName, action: "refused", detail: "web view of \(uuid), which is not in the catalog, from \(peer)")
                return nil
            }
            let recording = try lookup.get()
            let allowed = Result<Void, CatalogError> { () throws(CatalogError) in
                try catalog.authorize(.view, recording, as: principal, note: "web page from \(peer)")
            }
            if case .failure(let error) = allowed {
                if error.code == .refused { return nil }
                throw error
            }
            return (recording, try catalog.indicators(of: recording))
        }
        guard let (recording, indicators) = seen else {
            return WebPage.message(.forbidden, title: "Refused", sentence: "You may not see recording \(uuid), or it is not in the catalog; the refusal was recorded.", viewer: visitor.viewer)
        }
        return WebPage.response(.ok, html: WebPage.document(title: "Recording \(recording.uuid.prefix(8))", viewer: visitor.viewer,
                                                            body: Self.recordingBody(recording, indicators: indicators, startSeconds: startSeconds)))
    }

    static func recordingBody(_ r: CatalogRecording, indicators: [CatalogIndicator], startSeconds: Int?) -> String {
        var html = "<h1>Recording <code>\(HTMLText.escape(r.uuid))</code></h1>\n"
        html += "<p class=\"message\">The web player is not there yet: play this recording with <code>psrec play</code>"
        if let startSeconds { html += " from \(HTMLText.escape(CatalogTime.duration(Int64(startSeconds) * 1_000_000)))" }
        html += ".</p>\n<dl class=\"meta\">"
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
        html += "</dl>\n<h2>Indicators</h2>\n"
        if indicators.isEmpty { return html + "<p>None.</p>\n" }
        html += "<table><thead><tr><th>At</th><th>Kind</th><th>Detail</th></tr></thead><tbody>\n"
        for indicator in indicators {
            html += "<tr><td>\(HTMLText.escape(CatalogTime.duration(indicator.timeMicros)))</td><td>\(HTMLText.escape(indicator.kind.rawValue))</td><td>\(HTMLText.escape(indicator.detail))</td></tr>\n"
        }
        return html + "</tbody></table>\n"
    }
}
