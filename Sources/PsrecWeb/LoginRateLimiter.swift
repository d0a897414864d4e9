import Foundation
import NIOConcurrencyHelpers

/// Counts login attempts per address and per user name in a sliding window; past
/// `WebLimits.loginAttempts` in `WebLimits.loginWindowSeconds` an attempt is refused with
/// 429 before its password is checked, so that guessing costs an attacker a minute per ten
/// tries whichever addresses or names they spread them over.
final class LoginRateLimiter: Sendable {
    private let attempts = NIOLockedValueBox<[String: [Double]]>([:])
    /// When a refusal from each address was last written to the audit log.
    private let logged = NIOLockedValueBox<[String: Double]>([:])
    private let limit: Int
    private let window: Double

    init(limit: Int = WebLimits.loginAttempts, windowSeconds: Double = WebLimits.loginWindowSeconds) {
        self.limit = limit
        self.window = windowSeconds
    }

    /// Records an attempt from `address` for `user`; false when either has had `limit`
    /// attempts in the window already (the refused attempt is not counted).
    func admit(address: String, user: String, now: Double = Date().timeIntervalSince1970) -> Bool {
        attempts.withLockedValue { table in
            let keys = ["address " + address, "user " + user]
            var recent: [[Double]] = []
            for key in keys {
                let times = (table[key] ?? []).filter { now - $0 < window }
                recent.append(times)
            }
            // Forget keys whose window has passed, so that the table stays as small as the
            // last minute's traffic.
            if table.count > 10_000 { table = table.filter { $0.value.contains { now - $0 < window } } }
            guard recent.allSatisfy({ $0.count < limit }) else {
                for (key, times) in zip(keys, recent) { table[key] = times }
                return false
            }
            for (key, times) in zip(keys, recent) { table[key] = times + [now] }
            return true
        }
    }

    /// True for the first refusal from `address` in a window: only that one is written to
    /// the audit log, so that a flood of refused attempts cannot flood the log (which
    /// nothing may delete from) with rows.
    func shouldAudit(refusalFrom address: String, now: Double = Date().timeIntervalSince1970) -> Bool {
        logged.withLockedValue { table in
            if table.count > 10_000 { table = table.filter { now - $0.value < window } }
            if let last = table[address], now - last < window { return false }
            table[address] = now
            return true
        }
    }
}
