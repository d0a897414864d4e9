/// What the chain and the seals of one file show (`Spec/format.md#seals`), journald-style:
/// the sealed range and its key, or the first thing that fails.
public struct SealReport: Sendable {
    /// The outcome, from best to worst.
    public enum Status: String, Sendable {
        /// No seal and no sealing key in the metadata (every 1.0 and 1.1 file).
        case unsealed
        /// The seals hold for a key the verifier was told to trust.
        case sealed
        /// The seals hold for the key the file names, but no trust store was given.
        case unverified
        /// The seals hold, but for a key that is not in the trust store.
        case untrusted
        /// The metadata names a sealing key but the file holds no seal.
        case notSealed
        /// A seal was made with a key other than the one the metadata names.
        case foreignKey
        /// A seal's signature does not hold here: copied from another recording or position, or forged.
        case misplaced
        /// A chunk before a valid seal changed after the seal was made.
        case altered
        /// A SEAL chunk that cannot be read.
        case malformed
    }

    /// The outcome.
    public var status: Status
    /// The sealing key's name in the metadata.
    public var keyID: String?
    /// The sealing key's fingerprint in the metadata (64 hex digits).
    public var keyFingerprint: String?
    /// The trusted key the seals were made with, when a trust store was given and holds it.
    public var trustedKey: SealPublicKey?
    /// SEAL chunks found.
    public var seals: Int
    /// Seals that hold, from the first on, before anything failed.
    public var validSeals: Int
    /// Session time of the last seal that holds (the sealed range is 0 to it); nil when none does.
    public var sealedMicros: Int64?
    /// Sequence number of that seal.
    public var sealedSequence: UInt32?
    /// The largest `end_us` of the EVENTS chunks found.
    public var eventsEndMicros: Int64
    /// EVENTS chunks after the last seal that holds (all of them when none holds).
    public var unsealedEventChunks: Int
    /// The first failure, with where it is; every later seal depends on the chain it broke.
    public var problem: Verdict.Problem?

    /// The report of a file that cannot hold a seal (1.0 and 1.1, no sealing key), made
    /// without reading it.
    public static func unsealed(eventsEndMicros: Int64) -> SealReport {
        SealReport(status: .unsealed, keyID: nil, keyFingerprint: nil, trustedKey: nil, seals: 0, validSeals: 0, sealedMicros: nil,
                   sealedSequence: nil, eventsEndMicros: eventsEndMicros, unsealedEventChunks: 0, problem: nil)
    }

    /// Session time after the sealed range: the events' end minus the sealed time.
    public var unsealedMicros: Int64 { max(0, eventsEndMicros - (sealedMicros ?? 0)) }

    /// True when a seal failed (altered, misplaced, a foreign key, malformed) or the metadata
    /// promises seals the file does not hold.
    public var failed: Bool {
        switch status {
        case .unsealed, .sealed, .unverified, .untrusted: false
        case .notSealed, .foreignKey, .misplaced, .altered, .malformed: true
        }
    }

    /// `H:MM:SS`, as in the report's sentences.
    static func clock(_ micros: Int64) -> String {
        let seconds = max(0, micros) / 1_000_000
        let m = seconds / 60 % 60, s = seconds % 60
        return "\(seconds / 3600):\(m < 10 ? "0" : "")\(m):\(s < 10 ? "0" : "")\(s)"
    }
}
