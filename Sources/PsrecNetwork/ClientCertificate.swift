import Foundation
import NIOCore
import NIOSSL
import PsrecCatalog
import PsrecStream

/// Capture hosts known by a TLS client certificate (`psrec serve --client-ca`,
/// `Spec/protocol.md#authentication`). The TLS handshake has verified the certificate against
/// the client CA before any message is read; what is left here is the name it gives.
enum ClientCertificate {
    /// The host name a verified client certificate gives: its subject common name, which
    /// must be there once. Subject alternative names are not consulted: one field, so that a
    /// certificate cannot name two hosts.
    /// - Throws: `StreamRefusal(.unauthenticated)` when there is no certificate, no common
    ///   name, or more than one.
    static func hostName(of certificate: NIOSSLCertificate?) throws(StreamRefusal) -> String {
        guard let certificate else {
            throw StreamRefusal(.unauthenticated, "This server admits capture hosts by a TLS client certificate, and the connection has none.")
        }
        let names = certificate.subjectName.filter { $0.type == .commonName }.map(\.value)
        guard let name = names.first else {
            throw StreamRefusal(.unauthenticated, "The client certificate has no subject common name, which must be the capture host's name.")
        }
        guard names.count == 1 else {
            throw StreamRefusal(.unauthenticated, "The client certificate has \(names.count) subject common names; it must have one, the capture host's name.")
        }
        // Not echoed into the reply and the audit log when it cannot be a host's name anyway.
        guard name.count <= Catalog.maxHostNameCharacters else {
            throw StreamRefusal(.unauthenticated, "The client certificate's common name has \(name.count) characters, more than a capture host name may have.")
        }
        return name
    }

    /// The certificate the peer presented and the handshake verified, or nil (no TLS, no
    /// certificate, or the channel is gone).
    static func peerCertificate(of channel: any Channel) async -> NIOSSLCertificate? {
        (try? await channel.nioSSL_peerCertificate().get()) ?? nil
    }
}

/// Placed after the `NIOSSLServerHandler` of a server that requires client certificates:
/// a handshake that fails (no certificate, one the client CA did not sign, an expired one)
/// is told to `onRefusal` as `unauthenticated`, so that it is audited as a bad token is. The
/// peer has no TLS session to be told anything in; NIOSSL closes the connection.
final class HandshakeRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Told of each refused handshake, with the peer's address.
    let onRefusal: @Sendable (StreamRefusal, String) -> Void

    init(onRefusal: @escaping @Sendable (StreamRefusal, String) -> Void) {
        self.onRefusal = onRefusal
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case NIOSSLError.handshakeFailed(let underlying) = error {
            let peer = context.channel.remoteAddress.map { "\($0)" } ?? "unknown"
            onRefusal(StreamRefusal(.unauthenticated, "The TLS handshake failed (\(Self.reason(underlying))); this server requires a client certificate signed by its client CA."), peer)
        }
        context.fireErrorCaught(error)
    }

    /// BoringSSL's reason names (`PEER_DID_NOT_RETURN_A_CERTIFICATE`,
    /// `CERTIFICATE_VERIFY_FAILED`, …) without the error codes and source locations around
    /// them.
    static func reason(_ error: BoringSSLError) -> String {
        guard case .sslError(let stack) = error, !stack.isEmpty else { return "\(error)" }
        return stack.map { entry in
            let text = entry.description
            let rest = text.range(of: "OPENSSL_internal:").map { String(text[$0.upperBound...]) } ?? text
            return rest.split(separator: " ").first.map(String.init) ?? rest
        }.joined(separator: ", ")
    }
}
