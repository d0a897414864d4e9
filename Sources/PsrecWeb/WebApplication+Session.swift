import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PsrecCatalog

/// Who is asking: a user logged in with a session cookie, or named by the trusted proxy.
struct Visitor: Sendable {
    var principal: Principal
    /// The session, for a password login; nil behind the trusted proxy.
    var session: WebSession?
    /// The token this visitor's forms carry: the session's, or behind the trusted proxy one
    /// derived from the user's name with this process's secret (`WebApplication.formKey`).
    var csrfToken: String
    /// True for a web administrator (`psrec user admin`): the applications page.
    var administrator: Bool

    var user: String { principal.user ?? principal.auditName }
    var viewer: WebPage.Viewer { .init(user: user, csrfToken: session?.csrfToken, formToken: csrfToken, administrator: administrator) }
}

extension WebApplication {
    /// The session cookie's name: with TLS, `__Host-` makes browsers refuse it unless it is
    /// Secure, for the whole site, and set by this host.
    var cookieName: String { configuration.secureCookies ? "__Host-psrec-session" : "psrec-session" }

    /// The `Set-Cookie` value for `token`, or one that deletes the cookie (`token` nil).
    func sessionCookie(_ token: String?) -> String {
        var cookie = "\(cookieName)=\(token ?? ""); Path=/; HttpOnly; SameSite=Strict"
        if configuration.secureCookies { cookie += "; Secure" }
        if token == nil { cookie += "; Max-Age=0" }
        return cookie
    }

    /// The address written to the audit log: the TCP peer.
    func address(_ context: WebRequestContext) -> String { context.peerAddress ?? "unknown" }

    /// The visitor, or nil when nobody is logged in.
    /// - Throws: 403 for a user the trusted proxy names who is disabled or whose name
    ///   cannot be a user's.
    func visitor(_ request: Request, context: WebRequestContext) async throws -> Visitor? {
        let peer = address(context)
        if let header = configuration.trustedUserHeader, let proxy = configuration.trustedProxy,
           Self.sameAddress(peer, proxy), let field = HTTPField.Name(header), let name = request.headers[field] {
            // A proxy that appends its header instead of replacing the client's would let the
            // client's value shape the name: a header given more than once is refused.
            guard request.headers[values: field].count == 1 else {
                throw WebInputError("The request carries the header \(header) more than once; the proxy must send exactly one.", status: 400)
            }
            let principal: Principal
            do {
                principal = try Principal.user(name)
            } catch {
                throw WebInputError("The proxy named a user whose name cannot be one: \(error.message)", status: 403)
            }
            let (disabled, administrator) = try await withCatalog { (try $0.isWebUserDisabled(name), try $0.isWebAdministrator(name)) }
            if disabled {
                try await withCatalog { try $0.auditWeb(actor: name, action: "refused", detail: "web request from \(peer) by a disabled user (named by the proxy)") }
                throw WebInputError("The user \(name) is disabled.", status: 403)
            }
            return Visitor(principal: principal, session: nil, csrfToken: proxyFormToken(name), administrator: administrator)
        }
        guard let token = sessionToken(request) else { return nil }
        let limits = configuration.sessionLimits
        guard let (session, administrator) = try await withCatalog({ catalog -> (WebSession, Bool)? in
            guard let session = try catalog.webSession(token: token, limits: limits, address: peer) else { return nil }
            return (session, try catalog.isWebAdministrator(session.user))
        }) else { return nil }
        return Visitor(principal: try Principal.user(session.user), session: session, csrfToken: session.csrfToken, administrator: administrator)
    }

    /// The form token of a user the trusted proxy names: HMAC-SHA-256 of the name under a
    /// key made when the process starts, so another site cannot know it and it changes
    /// with every start of the server.
    func proxyFormToken(_ user: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(("csrf:" + user).utf8), using: formKey).map { String(format: "%02x", $0) }.joined()
    }

    /// The session cookie's token, when it has the form of one (64 hex digits).
    func sessionToken(_ request: Request) -> String? {
        for field in request.headers[values: .cookie] {
            for part in field.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == cookieName else { continue }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                if value.utf8.count == 64, value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }) {
                    return value
                }
            }
        }
        return nil
    }

    /// A POSTed form: at most `WebLimits.formBytes`, URL-encoded, from a page of this site
    /// (an `Origin` header, when the browser sends one, must be this host's).
    func form(_ request: Request) async throws -> WebParameters {
        if let origin = request.headers[.origin] {
            // Without a Host there is nothing to compare the Origin with: refused too.
            let sameOrigin = request.head.authority.map { origin == "http://\($0)" || origin == "https://\($0)" } ?? false
            guard sameOrigin else { throw WebInputError("The form was sent from another site (\(origin)); it is refused.", status: 403) }
        }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            throw WebInputError("A form is sent as application/x-www-form-urlencoded; this one was \(type).", status: 415)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: WebLimits.formBytes)
        } catch {
            throw WebInputError("The form is larger than \(WebLimits.formBytes / 1024) KiB; it is refused.", status: 413)
        }
        let text = String(decoding: body.readableBytesView, as: UTF8.self)
        return try WebParameters(encoded: Substring(text), limitBytes: WebLimits.formBytes)
    }

    /// Checks the form's `csrf` field against the session's token (a page of this site
    /// put it there; another site cannot read it).
    func checkCSRF(_ form: WebParameters, visitor: Visitor, context: WebRequestContext) async throws {
        guard let sent = form["csrf"], Self.constantTimeEqual(sent, visitor.csrfToken) else {
            let peer = address(context), user = visitor.user
            try await withCatalog { try $0.auditWeb(actor: user, action: "refused", detail: "form without its CSRF token from \(peer)") }
            throw WebInputError("The form did not carry this session's token (it was sent from another page or an old one); reload the page and try again.", status: 403)
        }
    }

    /// True when `a` and `b` are the same IP address, however each is written.
    static func sameAddress(_ a: String, _ b: String) -> Bool {
        func bytes(_ text: String) -> [UInt8]? {
            var v4 = in_addr(), v6 = in6_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
            return nil
        }
        guard let x = bytes(a), let y = bytes(b) else { return false }
        return x == y
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
