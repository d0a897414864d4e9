public import Hummingbird
import NIOCore

/// What the web application knows of a request besides the request itself: the address it
/// came from (the TCP peer, not any header).
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, or nil for a connection without one (a Unix socket).
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Forms are small; the application reads bodies itself up to `WebLimits.formBytes`.
    public var maxUploadSize: Int { WebLimits.formBytes }
}
