public import PsrecFormat

/// An application (target system) whose sessions are recorded.
public struct Application: Sendable, Equatable {
    public var name: String
    /// `ssh` or `rdp`.
    public var sessionProtocol: RecordingMetadata.SessionProtocol
    /// Whether capture tools should record its sessions.
    public var recordingEnabled: Bool
    /// Recordings older than this many days are deleted by `prune`; nil keeps them.
    public var retentionDays: Int?
    /// Users with the right to manage its recordings.
    public var managers: [String]
    /// Users assigned to audit all its recordings.
    public var auditors: [String]
    /// How strictly its recordings must reach a server (`psrec serve`); best-effort unless set.
    public var ingestPolicy: IngestPolicy = .bestEffort

    /// The session protocols the catalog accepts, in applications and in imported
    /// recordings: those `Spec/format.md` defines for the metadata's `protocol`.
    public static let knownProtocols: [RecordingMetadata.SessionProtocol] = [.ssh, .rdp]
}

/// Whether an application's recordings must reach the server while the session runs. The
/// catalog stores the policy (`applications.ingest_policy`); the server and the capture
/// hosts act on it.
public enum IngestPolicy: String, Sendable, CaseIterable {
    /// The recording must reach the server: a session whose chunks cannot be stored there
    /// is not to go on.
    case strict
    /// The session goes on while the server is unreachable; the recording catches up later.
    case bestEffort = "best-effort"
}
