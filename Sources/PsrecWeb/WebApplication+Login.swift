import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import PsrecCatalog

extension WebApplication {
    /// A bcrypt hash of a password nobody has, checked when the user named does not exist
    /// so that a failed login takes as long whether or not the name is a user's.
    static let decoyHash = Bcrypt.hash("psrec decoy password, never anyone's", cost: Catalog.passwordHashCost)

    func loginPage(_ request: Request, context: WebRequestContext) async throws -> Response {
        _ = try WebParameters(encoded: request.uri.query.map { Substring($0) })
        if try await visitor(request, context: context) != nil { return WebPage.redirect(to: "/") }
        return WebPage.response(.ok, html: Self.loginDocument(sentence: nil))
    }

    static func loginDocument(sentence: String?) -> String {
        var body = "<h1>Log in</h1>\n"
        if let sentence { body += "<p class=\"message\">\(HTMLText.escape(sentence))</p>\n" }
        body += """
            <form class="login" method="post" action="/login">
            <label>User <input name="user" autocomplete="username" required maxlength="128"></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Log in</button>
            </form>
            """
        return WebPage.document(title: "Log in", viewer: nil, body: body)
    }

    func login(_ request: Request, context: WebRequestContext) async throws -> Response {
        let form = try await form(request)
        let peer = address(context)
        let user = form["user"] ?? "", password = form["password"] ?? ""
        guard limiter.admit(address: peer, user: user) else {
            if limiter.shouldAudit(refusalFrom: peer) {
                try await withCatalog { try $0.auditWeb(actor: Self.actorName(user), action: "refused", detail: "login rate limit reached from \(peer) (further refusals from it in the next minute are not logged)") }
            }
            return WebPage.response(.tooManyRequests, html: Self.loginDocument(
                sentence: "Too many login attempts from this address or for this user in the last minute; wait a minute and try again."))
        }
        var hash: String?
        if Principal.checkUserNameResult(user) { hash = try await withCatalog { try $0.webPasswordHash(of: user) } }
        let checked = hash ?? Self.decoyHash
        let matches = try await withCatalog { _ in Bcrypt.verify(password, hash: checked) }
        guard let hash, matches, !hash.isEmpty else {
            try await withCatalog { try $0.auditWeb(actor: Self.actorName(user), action: "refused", detail: "failed web login from \(peer)") }
            return WebPage.response(.unauthorized, html: Self.loginDocument(
                sentence: "The user name or the password is wrong, or the user is disabled."))
        }
        let limits = configuration.sessionLimits
        let (token, _) = try await withCatalog { catalog in
            // Sessions nobody ended are deleted here, at the rate of logins: no timer needed.
            try catalog.purgeWebSessions(limits: limits)
            return try catalog.openWebSession(for: user, address: peer)
        }
        var headers = HTTPFields()
        headers[.setCookie] = sessionCookie(token)
        return WebPage.redirect(to: "/", extraHeaders: headers)
    }

    func logout(_ request: Request, context: WebRequestContext) async throws -> Response {
        let form = try await form(request)
        guard let visitor = try await visitor(request, context: context) else { return WebPage.redirect(to: "/login") }
        try await checkCSRF(form, visitor: visitor, context: context)
        if let token = sessionToken(request) {
            let peer = address(context)
            try await withCatalog { try $0.closeWebSession(token: token, address: peer) }
        }
        var headers = HTTPFields()
        headers[.setCookie] = sessionCookie(nil)
        return WebPage.redirect(to: "/login", extraHeaders: headers)
    }

    /// A name for the audit log's actor column from what a visitor typed: as typed when it
    /// could be a user's, else a fixed word (the typed text may be anything).
    static func actorName(_ user: String) -> String {
        Principal.checkUserNameResult(user) ? user : "(not a user name)"
    }
}

extension Principal {
    static func checkUserNameResult(_ name: String) -> Bool {
        (try? checkUserName(name)) != nil
    }
}
