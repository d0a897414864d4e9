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

    /// The session protocols the catalog accepts, in applications and in imported
    /// recordings: those `Spec/format.md` defines for the metadata's `protocol`.
    public static let knownProtocols: [RecordingMetadata.SessionProtocol] = [.ssh, .rdp]
}
