import Foundation

/// Parsing and printing session times.
public enum TimeFormat {
    /// Parses `90`, `1.5`, `2:03`, `1:02:03.25`, `500ms`, `90s`, `5m`, `2h` into microseconds.
    /// Returns nil for anything else (negative or malformed).
    public static func parseMicros(_ text: String) -> Int64? {
        let s = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("ms", 1_000), ("us", 1), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000)]
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            let number = String(s.dropLast(suffix.count))
            guard let (whole, frac) = decimal(number) else { return nil }
            return scaled(whole, frac, scale)
        }
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total: Int64 = 0
        for (i, part) in parts.enumerated() {
            if i < parts.count - 1 {
                guard let value = Int64(part), value >= 0, value < 1_000_000_000 else { return nil }
                total = total * 60 + value
            } else {
                guard let (whole, frac) = decimal(String(part)) else { return nil }
                if parts.count > 1 && whole >= 60 { return nil }
                guard let seconds = scaled(whole, frac, 1_000_000) else { return nil }
                return total * 60 * 1_000_000 + seconds
            }
        }
        return nil
    }

    private static func decimal(_ text: String) -> (Int64, String)? {
        let pieces = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = pieces.first, !first.isEmpty, first.allSatisfy(\.isASCIIDigitChar), first.count <= 12,
              let whole = Int64(first) else { return nil }
        let frac = pieces.count > 1 ? String(pieces[1]) : ""
        guard frac.allSatisfy(\.isASCIIDigitChar), pieces.count == 1 || !frac.isEmpty else { return nil }
        return (whole, frac)
    }

    private static func scaled(_ whole: Int64, _ frac: String, _ scale: Int64) -> Int64? {
        let (product, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        var fraction: Int64 = 0
        var unit = scale
        for ch in frac {
            unit /= 10
            if unit == 0 { break }
            fraction += Int64(ch.asciiValue! - 48) * unit
        }
        return product + fraction
    }

    /// `h:mm:ss.ffffff` (hours omitted when zero).
    public static func clock(_ micros: Int64) -> String {
        let total = max(0, micros)
        let seconds = total / 1_000_000, fraction = total % 1_000_000
        let h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var frac = String(fraction)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        return (h > 0 ? "\(h):\(two(m))" : "\(m)") + ":\(two(s)).\(frac)"
    }

    /// RFC 3339 UTC with microseconds, e.g. `2025-11-24T16:00:00.000000Z`.
    public static func iso(unixMicros: Int64) -> String {
        var seconds = unixMicros / 1_000_000
        var micros = unixMicros % 1_000_000
        if micros < 0 { micros += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Civil-from-days (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let mo = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (mo <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(mo, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2)).\(pad(micros, 6))Z"
    }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
