import Foundation
import PsrecFormat

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
    public static func iso(unixMicros: Int64) -> String { CivilDate.iso(unixMicros: unixMicros) }
}

extension Character {
    var isASCIIDigitChar: Bool { isASCII && isNumber }
}
