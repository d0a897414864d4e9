public import Foundation
import PsrecFormat

/// What the ingest server needs besides storing chunks (`Catalog+Ingest.swift`): whether an
/// application is recorded, and the audit of refusals.
extension Catalog {
    /// Whether sessions of `application` are recorded, and whether its policy is strict (no
    /// server or no spool: the session is refused) rather than best-effort. An application
    /// the catalog does not know is recorded, best-effort.
    public func ingestPolicy(application: String) throws(CatalogError) -> (recording: Bool, strict: Bool) {
        guard let known = try self.application(application) else { return (true, false) }
        return (known.recordingEnabled, known.ingestPolicy == .strict)
    }

    /// Writes a refusal of the ingest server to the audit log: who (the capture host when
    /// authenticated, else the peer's address), the protocol's error code and its sentence.
    public func auditIngestRefusal(host: String?, peer: String, code: String, reason: String) throws(CatalogError) {
        try write { db in
            try Self.audit(db, actor: host.map { "host:" + $0 } ?? "peer:" + peer, action: "ingest refused",
                           recording: nil, detail: "\(code) from \(peer): \(reason)")
        }
    }
}
