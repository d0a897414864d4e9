import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The HTML pages' common frame and the headers every answer carries.
enum WebPage {
    /// No inline script or style anywhere: the one stylesheet is `/static/psrec.css`.
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// Who is logged in, for the page's header: their name and, with a session, the
    /// token the logout form carries.
    struct Viewer {
        var user: String
        var csrfToken: String?
        /// The token a form of this page carries (also behind the trusted proxy).
        var formToken: String = ""
        /// Whether the header links to the applications page.
        var administrator = false
    }

    /// A whole HTML document. `title` is text (escaped here); `body` is HTML built from
    /// escaped parts.
    static func document(title: String, viewer: Viewer?, body: String) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(HTMLText.escape(title)) · psrec</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/static/psrec.css"></head>
            <body><header><a class="brand" href="/">psrec</a>
            """
        if let viewer {
            if viewer.administrator { html += "<a href=\"/applications\">Applications</a>" }
            html += "<span class=\"who\">\(HTMLText.escape(viewer.user))</span>"
            if let csrf = viewer.csrfToken {
                html += "<form class=\"logout\" method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTMLText.escape(csrf))\"><button type=\"submit\">Log out</button></form>"
            }
        }
        html += "</header>\n<main>\n" + body + "\n</main></body></html>\n"
        return html
    }

    /// An HTML answer with the page headers.
    static func response(_ status: HTTPResponse.Status, html: String, extraHeaders: HTTPFields = [:]) -> Response {
        var headers = pageHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers.append(contentsOf: extraHeaders)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page that says one thing: an error's sentence, a refusal.
    static func message(_ status: HTTPResponse.Status, title: String, sentence: String, viewer: Viewer?) -> Response {
        response(status, html: document(title: title, viewer: viewer,
                                         body: "<h1>\(HTMLText.escape(title))</h1>\n<p class=\"message\">\(HTMLText.escape(sentence))</p>\n<p><a href=\"/\">Search recordings</a></p>"))
    }

    /// A JSON answer with the page headers: `{"error": SENTENCE}` with `status`.
    static func jsonError(_ status: HTTPResponse.Status, sentence: String) -> Response {
        json(status, ["error": sentence])
    }

    /// `value` encoded as JSON, with the page headers.
    static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) -> Response {
        var headers = pageHeaders
        headers[.contentType] = "application/json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"The answer could not be encoded.\"}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 303 to `location` (a path of this application).
    static func redirect(to location: String, extraHeaders: HTTPFields = [:]) -> Response {
        var headers = pageHeaders
        headers[.location] = location
        headers.append(contentsOf: extraHeaders)
        return Response(status: .seeOther, headers: headers)
    }

    /// What every answer carries: the policy, no sniffing, no referrer to other sites, and nothing kept
    /// in any cache (pages show who saw what).
    static var pageHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.xContentTypeOptions] = "nosniff"
        // same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on a
        // form post, which the CSRF check must refuse. Other sites still get no referrer.
        headers[.referrerPolicy] = "same-origin"
        headers[.cacheControl] = "no-store"
        headers[.xFrameOptions] = "DENY"
        return headers
    }
}

extension HTTPField.Name {
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xFrameOptions = Self("X-Frame-Options")!
}
