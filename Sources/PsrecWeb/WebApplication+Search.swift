import Foundation
import Hummingbird
import PsrecCatalog
import PsrecFormat

extension WebApplication {
    /// `GET /`: the search form and, below it, the recordings the visitor may see that match.
    func searchPage(_ request: Request, context: WebRequestContext) async throws -> Response {
        let parameters = try WebParameters(encoded: request.uri.query.map { Substring($0) })
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
        let form = try SearchForm(parameters, nowMicros: now)
        let principal = visitor.principal, peer = address(context), query = form.query
        let target = request.uri.string
        let (found, hits, unsearched) = try await withCatalog { catalog in
            try catalog.auditWeb(actor: principal.auditName, action: "web-view", detail: "search page \(target) from \(peer)")
            let found = try catalog.search(query, as: principal)
            var hits: [String: TextHit] = [:]
            var unsearched = 0
            if let text = query.text {
                hits = try catalog.firstTextHits(in: Array(found.prefix(WebLimits.pageSize)), text: text)
                unsearched = try catalog.textPendingCount(matching: query, as: principal)
            }
            return (found, hits, unsearched)
        }
        var body = Self.searchForm(form)
        if unsearched > 0 {
            body += "<p class=\"message\">\(unsearched) recording\(unsearched == 1 ? " was" : "s were") not searched for text: \(unsearched == 1 ? "its text is" : "their text is") not indexed yet.</p>\n"
        }
        body += Self.results(found, hits: hits, form: form)
        return WebPage.response(.ok, html: WebPage.document(title: "Search", viewer: visitor.viewer, body: body))
    }

    static func searchForm(_ form: SearchForm) -> String {
        func field(_ name: String, _ label: String, placeholder: String = "") -> String {
            "<label>\(label) <input name=\"\(name)\" value=\"\(HTMLText.escape(form.given[name] ?? ""))\" placeholder=\"\(placeholder)\" maxlength=\"\(WebLimits.valueCharacters)\"></label>"
        }
        func choice(_ name: String, _ label: String, _ options: [String]) -> String {
            let selected = form.given[name]
            var html = "<label>\(label) <select name=\"\(name)\"><option value=\"\">any</option>"
            for option in options {
                html += "<option\(option == selected ? " selected" : "")>\(HTMLText.escape(option))</option>"
            }
            return html + "</select></label>"
        }
        var html = "<h1>Recordings</h1>\n<form class=\"search\" method=\"get\" action=\"/\">"
        html += field("text", "Terminal text", placeholder: "words shown, in order")
        html += field("user", "User")
        html += field("app", "Application")
        html += field("host", "Host")
        html += choice("protocol", "Protocol", SearchForm.protocols)
        html += field("from", "From (UTC)", placeholder: "2025-11-24, 7d")
        html += field("to", "To (UTC)", placeholder: "2025-11-24T18:00, today")
        html += choice("status", "Status", RecordingState.allCases.map(\.rawValue))
        html += field("min-duration", "At least", placeholder: "90, 1:30, 2m")
        html += choice("indicator", "With indicator", IndicatorKind.allCases.map(\.rawValue))
        if let sort = form.given["sort"] { html += "<input type=\"hidden\" name=\"sort\" value=\"\(HTMLText.escape(sort))\">" }
        if let dir = form.given["dir"] { html += "<input type=\"hidden\" name=\"dir\" value=\"\(HTMLText.escape(dir))\">" }
        html += "<div><button type=\"submit\">Search</button> <a href=\"/\">Clear</a></div></form>\n"
        return html
    }

    /// Terminal text around a hit, escaped, its line breaks shown as ↵ on one line.
    static func context(_ text: String) -> String {
        HTMLText.escape(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: " ↵ "))
    }

    static func results(_ found: [CatalogRecording], hits: [String: TextHit], form: SearchForm) -> String {
        let shown = found.prefix(WebLimits.pageSize)
        let first = (form.page - 1) * WebLimits.pageSize
        if shown.isEmpty {
            return "<p class=\"message\">\(form.page > 1 ? "No more recordings match." : "No recording you may see matches.")</p>"
        }
        var html = "<p>Recordings \(first + 1) to \(first + shown.count)\(found.count > WebLimits.pageSize ? " (more on the next page)" : "").</p>\n"
        html += "<table class=\"results\"><thead><tr>"
        let columns: [(String, RecordingOrder.Column?)] = [
            ("ID", nil), ("Start (UTC)", .start), ("Duration", .duration), ("User", .user), ("Application", .application),
            ("Host", .host), ("Protocol", .protocol), ("Status", .status), ("Indicators", nil),
        ]
        for (title, column) in columns {
            guard let column else { html += "<th>\(title)</th>"; continue }
            let current = form.query.order
            let ascending = current.column == column ? !current.ascending : (column != .start && column != .duration)
            let mark = current.column == column ? (current.ascending ? " ▲" : " ▼") : ""
            let link = form.link(["sort": column.rawValue, "dir": ascending ? "asc" : "desc", "page": nil])
            html += "<th><a href=\"\(HTMLText.escape(link))\">\(title)\(mark)</a></th>"
        }
        html += "</tr></thead>\n<tbody>\n"
        for recording in shown {
            let state = recording.state
            let stateClass = state == .live ? "live" : state == .interrupted ? "interrupted" : "state"
            html += "<tr><td class=\"id\"><a href=\"/recordings/\(HTMLText.escape(recording.uuid))\">\(HTMLText.escape(String(recording.uuid.prefix(8))))</a></td>"
            html += "<td>\(HTMLText.escape(CatalogTime.iso(recording.startMicros)))</td>"
            html += "<td>\(HTMLText.escape(CatalogTime.duration(recording.durationMicros)))</td>"
            for value in [recording.user, recording.application, recording.host] {
                html += "<td>\(HTMLText.escape(value ?? "-"))</td>"
            }
            html += "<td>\(HTMLText.escape(recording.sessionProtocol.rawValue))</td>"
            html += "<td class=\"\(stateClass)\">\(state == .live ? "● " : "")\(HTMLText.escape(state.rawValue))</td>"
            html += "<td>\(recording.indicatorCount)</td></tr>\n"
            if let hit = hits[recording.uuid] {
                let seconds = hit.timeMicros / 1_000_000
                html += "<tr class=\"hit\"><td></td><td colspan=\"8\" class=\"hit\"><a href=\"/recordings/\(HTMLText.escape(recording.uuid))?t=\(seconds)\">at \(HTMLText.escape(CatalogTime.duration(hit.timeMicros)))</a>: "
                html += "…\(Self.context(hit.before))<mark>\(Self.context(hit.match))</mark>\(Self.context(hit.after))…</td></tr>\n"
            }
        }
        html += "</tbody></table>\n<nav class=\"pages\">"
        if form.page > 1 { html += "<a href=\"\(HTMLText.escape(form.link(["page": form.page == 2 ? nil : String(form.page - 1)])))\">Previous page</a>" }
        if found.count > WebLimits.pageSize && form.page < SearchForm.maxPage {
            html += "<a href=\"\(HTMLText.escape(form.link(["page": String(form.page + 1)])))\">Next page</a>"
        }
        html += "</nav>\n"
        return html
    }
}
