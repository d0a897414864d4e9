public import NIOSSL
public import PsrecCatalog

/// Limits on what a browser may send; past them the answer is a 4xx with a sentence.
public enum WebLimits {
    /// A form's body (the login form is a few hundred bytes).
    public static let formBytes = 16 * 1024
    /// A request target's query string.
    public static let queryBytes = 4096
    /// One parameter's value.
    public static let valueCharacters = 512
    /// Results on one search page.
    public static let pageSize = 50
    /// Login attempts per address, and per user name, in `loginWindowSeconds`.
    public static let loginAttempts = 10
    public static let loginWindowSeconds = 60.0
    /// Seconds a connection may stay without a whole request head (idle between requests,
    /// or sending its header slowly) before it is closed.
    public static let idleTimeoutSeconds: Int64 = 30
    /// Connections one client address may hold at once (a reverse proxy is one address:
    /// room for its pool).
    public static let maxConnectionsPerAddress = 256
}

/// How `psrec serve --web` runs the web application.
public struct WebConfiguration: Sendable {
    public var host: String
    /// 0: any free port (`WebServer.boundPort()` says which).
    public var port: Int
    /// The server's TLS, or nil for plain HTTP (loopback only; the caller checks).
    public var tls: TLSConfiguration?
    /// With `trustedProxy`: the header in which a reverse proxy at that address names the
    /// user it authenticated. Ignored in requests from any other address.
    public var trustedUserHeader: String?
    public var trustedProxy: String?
    public var sessionLimits: WebSessionLimits = .standard
    /// `WebLimits.idleTimeoutSeconds` and `maxConnectionsPerAddress`, unless a test sets less.
    public var idleTimeoutSeconds = WebLimits.idleTimeoutSeconds
    public var maxConnectionsPerAddress = WebLimits.maxConnectionsPerAddress
    /// `WebLimits.loginWindowSeconds`, unless a test sets more: on a loaded machine ten
    /// logins can take longer than a minute, and the attempts would leave the window.
    public var loginWindowSeconds = WebLimits.loginWindowSeconds

    public init(host: String, port: Int, tls: TLSConfiguration?) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    /// Cookies carry `Secure` whenever the pages are served over TLS.
    var secureCookies: Bool { tls != nil }
}
