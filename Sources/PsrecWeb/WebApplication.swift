import Crypto
import Foundation
import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore
import NIOPosix
public import PsrecCatalog

/// The auditors' web application: routes, who is asking, and the answers.
///
/// Routes (every page needs a logged-in user but the login page and the stylesheet):
///
/// ```
/// GET  /                 search form and results (the `psrec search` filters)
/// GET  /recordings/UUID  one recording's player (terminal or screen), ?t= a moment in it
/// GET  /api/recordings/UUID/NAME  what the player fetches (JSON or binary; errors in JSON)
/// GET  /login            login form          POST /login   check the password, open a session
/// POST /logout           end the session (CSRF token required)
/// GET  /applications     a web administrator's page: recording, retention, rights
/// POST /applications     one change there (CSRF token required)
/// GET  /static/NAME      the allow-listed static files
/// ```
///
/// The catalog's calls block (SQLite, bcrypt): they run on the application's own threads,
/// never on the event loops.
public final class WebApplication: HTTPResponder, Sendable {
    public typealias Context = WebRequestContext

    let configuration: WebConfiguration
    let catalog: WebCatalog
    let threads: NIOThreadPool
    /// Where the players' segments are made (a replay from a keyframe, a screen decoded):
    /// the heavy requests, kept off `threads` so that they never hold up logins, session
    /// checks and pages.
    let replayThreads: NIOThreadPool
    let limiter: LoginRateLimiter
    let files = StaticFiles()
    let logger: Logger
    /// The key of the form tokens of users the trusted proxy names (`proxyFormToken`).
    let formKey = SymmetricKey(size: .bits256)

    /// - Parameter catalog: the server's catalog, opened with concurrent reads so that pages
    ///   do not wait for the ingest server's writes.
    public init(configuration: WebConfiguration, catalog: Catalog, logger: Logger) {
        self.configuration = configuration
        self.limiter = LoginRateLimiter(windowSeconds: configuration.loginWindowSeconds)
        self.catalog = WebCatalog(catalog)
        self.threads = NIOThreadPool(numberOfThreads: 2)
        self.threads.start()
        self.replayThreads = NIOThreadPool(numberOfThreads: 2)
        self.replayThreads.start()
        self.logger = logger
    }

    deinit {
        threads.shutdownGracefully { _ in }
        replayThreads.shutdownGracefully { _ in }
    }

    /// Runs `body` with the catalog on the application's threads.
    func withCatalog<T: Sendable>(_ body: @escaping @Sendable (Catalog) throws -> T) async throws -> T {
        let catalog = self.catalog
        return try await threads.runIfActive { try body(catalog.value) }
    }

    /// Runs `body` with the catalog on the threads that make the players' segments.
    func withReplay<T: Sendable>(_ body: @escaping @Sendable (Catalog) throws -> T) async throws -> T {
        let catalog = self.catalog
        return try await replayThreads.runIfActive { try body(catalog.value) }
    }

    public func respond(to request: Request, context: WebRequestContext) async throws -> Response {
        if request.method == .head {
            // HEAD is GET without the body (RFC 9110): the same checks, status and headers.
            var head = request.head
            head.method = .get
            let answer = try await respond(to: Request(head: head, body: request.body), context: context)
            return Response(status: answer.status, headers: answer.headers)
        }
        do {
            return try await route(request, context: context)
        } catch let error as WebInputError where request.uri.path.hasPrefix("/api/") {
            return WebPage.jsonError(.init(code: error.status), sentence: error.sentence)
        } catch let error as WebInputError {
            return WebPage.message(.init(code: error.status), title: Self.title(of: error.status), sentence: error.sentence, viewer: nil)
        } catch let error as CatalogError {
            // Refusals and bad input from the catalog are the visitor's; anything else is ours.
            switch error.code {
            case .invalidRecordingID, .emptyTextSearch, .invalidUserName, .unknownColumn:
                return WebPage.message(.badRequest, title: "Bad request", sentence: error.message, viewer: nil)
            case .busy:
                return WebPage.message(.serviceUnavailable, title: "Busy", sentence: "The catalog is busy with another process; try again in a moment.", viewer: nil)
            default:
                logger.error("web: \(error.message)")
                return WebPage.message(.internalServerError, title: "Server error", sentence: "The catalog could not answer; the server's log says why.", viewer: nil)
            }
        } catch {
            logger.error("web: \(String(describing: error))")
            return WebPage.message(.internalServerError, title: "Server error", sentence: "The server could not answer; its log says why.", viewer: nil)
        }
    }

    private func route(_ request: Request, context: WebRequestContext) async throws -> Response {
        let path = request.uri.path
        guard request.uri.string.utf8.count <= WebLimits.queryBytes + 512 else {
            throw WebInputError("The address asked for is \(request.uri.string.utf8.count) bytes long; at most \(WebLimits.queryBytes + 512) are accepted.", status: 414)
        }
        if path.hasPrefix("/static/") {
            guard request.method == .get else { throw Self.methodNotAllowed }
            guard request.uri.query == nil, let entry = files.entry(named: path.dropFirst("/static/".count)) else {
                throw WebInputError("There is no such file.", status: 404)
            }
            var headers = WebPage.pageHeaders
            headers[.contentType] = entry.contentType
            headers[.cacheControl] = "no-cache"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: entry.bytes)))
        }
        switch (request.method, path) {
        // Browsers ask for it on every site; there is none, and a 404 would be a console error.
        case (.get, "/favicon.ico"): return Response(status: .noContent, headers: WebPage.pageHeaders)
        case (.get, "/login"): return try await loginPage(request, context: context)
        case (.post, "/login"): return try await login(request, context: context)
        case (.post, "/logout"): return try await logout(request, context: context)
        case (.get, "/"): return try await searchPage(request, context: context)
        case (.get, "/applications"): return try await applicationsPage(request, context: context)
        case (.post, "/applications"): return try await changeApplication(request, context: context)
        case (.get, _) where path.hasPrefix("/api/recordings/"):
            return try await recordingResource(request, path: path.dropFirst("/api/recordings/".count), context: context)
        case (.get, _) where path.hasPrefix("/recordings/"):
            return try await recordingPage(request, id: String(path.dropFirst("/recordings/".count)), context: context)
        case (.get, _), (.post, _):
            throw WebInputError("There is no such page.", status: 404)
        default:
            throw Self.methodNotAllowed
        }
    }

    static let methodNotAllowed = WebInputError("This method is not used here: pages are read with GET and forms sent with POST.", status: 405)

    static func title(of status: Int) -> String {
        switch status {
        case 400: "Bad request"
        case 403: "Refused"
        case 404: "Not found"
        case 405: "Method not allowed"
        case 413: "Too large"
        case 414: "Address too long"
        case 429: "Too many attempts"
        default: "Error"
        }
    }
}

/// The catalog, shared by the request tasks. Its state is a GRDB database queue, which
/// serialises every access itself.
final class WebCatalog: @unchecked Sendable {
    let value: Catalog
    init(_ value: Catalog) { self.value = value }
}
