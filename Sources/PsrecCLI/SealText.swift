import Foundation
import PsrecCatalog
import PsrecFormat

/// The seal line of `psrec verify`, in the journald manner: what holds, and from when to when.
enum SealText {
    /// True when the seals make `psrec verify` fail (exit status 2): a seal failed, or with a
    /// trust store, the file is not sealed by a trusted key to its end (to its last seal when
    /// it is truncated).
    static func fails(_ r: SealReport, trusted: Bool, complete: Bool) -> Bool {
        if r.failed { return true }
        guard trusted else { return false }
        switch r.status {
        case .unsealed, .untrusted: return true
        default: return complete && r.unsealedEventChunks > 0
        }
    }

    static func text(_ r: SealReport, trusted: Bool, complete: Bool) -> String {
        let key = "\(r.keyID.map(TerminalSafe.escape) ?? "an unnamed key") (key \(r.keyFingerprint.map(SealPublicKey.short) ?? "?"))"
        let range = r.sealedMicros.map { "from 0:00:00 to \(clock($0))" }
        var tail: String {
            guard r.unsealedEventChunks > 0 || r.unsealedMicros > 0 else { return "" }
            return ", final \(seconds(r.unsealedMicros)) not sealed" + (complete ? " although the file is complete" : "")
        }
        switch r.status {
        case .unsealed:
            return "seal: none" + (trusted ? " (not sealed)" : "")
        case .sealed:
            let by = r.trustedKey.map { "\(TerminalSafe.escape($0.id)) (key \($0.shortFingerprint))" } ?? key
            return "seal: sealed \(range ?? "") by \(by), trusted\(tail)"
        case .unverified:
            return "seal: sealed \(range ?? "") by \(key)\(tail); unverified: no --trust key given"
        default:
            var line = "seal: " + TerminalSafe.escape(r.problem?.message ?? r.status.rawValue)
            if let range { line += "; the seals hold \(range) by \(key)" }
            return line
        }
    }

    /// A stored recording's seal line: as `text` says it, with trust decided by the catalog's
    /// trusted keys (`psrec key trust`).
    static func catalogText(_ r: SealReport, state: SealState, complete: Bool) -> String {
        var line = text(r, trusted: false, complete: complete)
        let unverified = "; unverified: no --trust key given"
        guard line.hasSuffix(unverified) else { return line }
        line.removeLast(unverified.count)
        switch state {
        case .sealed: return line + ", trusted by the catalog"
        case .untrusted: return line + "; its key is not one the catalog trusts (psrec key trust)"
        default: return line + "; failed: a recorder seals at the end, so what follows the last seal was added"
        }
    }

    static func json(_ r: SealReport) -> String {
        func string(_ s: String?) -> String { s.map(JSONText.string) ?? "null" }
        func number<N: BinaryInteger>(_ n: N?) -> String { n.map { "\($0)" } ?? "null" }
        return "{\"status\":\"\(r.status.rawValue)\",\"key_id\":\(string(r.keyID)),\"key_fingerprint\":\(string(r.keyFingerprint)),\"seals\":\(r.seals),\"valid_seals\":\(r.validSeals),\"sealed_to_us\":\(number(r.sealedMicros)),\"unsealed_us\":\(r.unsealedMicros),\"problem\":\(string(r.problem?.kind)),\"problem_sequence\":\(number(r.problem?.sequence)),\"message\":\(string(r.problem?.message))}"
    }

    /// `H:MM:SS` of session time.
    static func clock(_ micros: Int64) -> String {
        let s = max(0, micros) / 1_000_000
        let m = s / 60 % 60, sec = s % 60
        return "\(s / 3600):\(m < 10 ? "0" : "")\(m):\(sec < 10 ? "0" : "")\(sec)"
    }

    /// Seconds with one decimal: `0.8 s`.
    static func seconds(_ micros: Int64) -> String {
        let tenths = (micros + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
