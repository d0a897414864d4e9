import Foundation
public import PsrecFormat

/// A recording as the catalog lists it.
public struct CatalogRecording: Sendable, Equatable {
    /// Row ID inside the catalog.
    public var rowID: Int64
    /// The recording's UUID, lowercase.
    public var uuid: String
    /// The session protocol of the metadata (ssh or rdp; imports refuse others).
    public var sessionProtocol: RecordingMetadata.SessionProtocol
    public var user: String?
    public var application: String?
    public var host: String?
    public var remoteAddress: String?
    public var owner: String?
    /// Microseconds since 1970 (UTC).
    public var startMicros: Int64
    public var durationMicros: Int64
    /// The verdict at import: complete or truncated; for a streamed recording, truncated
    /// until its trailer is stored.
    public var status: Verdict.Status
    /// The status to show: `status`, or live or interrupted while the recording is streamed.
    public var state: RecordingState
    public var fileBytes: Int64
    public var sha256: String
    public var legalHold: Bool
    public var importedMicros: Int64
    public var indicatorCount: Int
    /// True when it was imported with `deferText` and its terminal text is not indexed yet.
    public var textPending: Bool
    /// Whether it is sealed, by a key the catalog trusts (`SealState`).
    public var seal: SealState
    /// The name of the key its metadata says seals it.
    public var sealKeyID: String?
    /// Session time its seals hold to (from 0), when any holds.
    public var sealedMicros: Int64?
    /// For a text search: session time of the first matching text.
    public var matchMicros: Int64?

    /// The columns `init(row:)` reads.
    static let columns = "r.id, r.uuid, r.protocol, r.user, r.application, r.host, r.remote_address, r.owner, r.start_us, r.duration_us, r.status, \(RecordingState.column) AS state, r.file_size, r.sha256, r.legal_hold, r.imported_us, r.indicator_count, r.text_pending, (\(SealState.sql)) AS seal_state, r.seal_key_id, r.sealed_us"

    init(row: SQLRow) {
        rowID = row["id"]
        uuid = row["uuid"]
        sessionProtocol = row["protocol"]
        user = row["user"]
        application = row["application"]
        host = row["host"]
        remoteAddress = row["remote_address"]
        owner = row["owner"]
        startMicros = row["start_us"]
        durationMicros = row["duration_us"]
        status = row["status"]
        state = row["state"]
        fileBytes = row["file_size"]
        sha256 = row["sha256"]
        legalHold = row["legal_hold"]
        importedMicros = row["imported_us"]
        indicatorCount = row["indicator_count"]
        textPending = row["text_pending"]
        seal = SealState(rawValue: row["seal_state"] as String? ?? "") ?? .unchecked
        sealKeyID = row["seal_key_id"]
        sealedMicros = row["sealed_us"]
        matchMicros = row.hasColumn("match_us") ? row["match_us"] : nil
    }
}
