import PsrecFormat

/// Dates and periods as catalog commands take and print them; all in UTC.
public enum CatalogTime {
    /// Parses a point in time into microseconds since 1970 (UTC):
    ///
    /// - relative to `now`: `30s`, `15m`, `12h`, `7d`, `2w` (that long ago), `now`, `today`
    ///   (midnight UTC), `yesterday`;
    /// - a date `2025-11-24` (midnight UTC at its start, or with `endOfDay` the next
    ///   midnight, so that `--to 2025-11-24` includes that day);
    /// - a date and time `2025-11-24T16:30`, `2025-11-24 16:30:05`, `…05.250`, with an
    ///   optional `Z` or `+01:00` offset (UTC when none).
    ///
    /// Returns nil for anything else, including impossible dates such as `2025-02-30`.
    public static func parse(_ text: String, nowMicros: Int64, endOfDay: Bool = false) -> Int64? {
        CatalogDate(text)?.micros(nowMicros: nowMicros, endOfDay: endOfDay)
    }

    /// Parses a length of time: a number with a unit, `90s`, `15m`, `12h`, `7d`, `2w`.
    /// Returns microseconds, or nil. A bare number is refused: elsewhere psrec reads a bare
    /// `90` as seconds, and here it was once days, so it is ambiguous.
    public static func parsePeriod(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000), ("w", 604_800_000_000)]
        guard let (suffix, scale) = units.first(where: { text.hasSuffix($0.0) }) else { return nil }
        let number = Substring(text).dropLast(suffix.count)
        guard !number.isEmpty, number.count <= 9, number.allSatisfy(\.isASCIIDigit), let value = Int64(number) else { return nil }
        // 999999999d does not fit in microseconds: refused, like any other bad period.
        let (micros, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : micros
    }

    /// A date, or a date and time, as microseconds since 1970; `dateOnly` when no time of
    /// day was given.
    static func parseAbsolute(_ s: String) -> (micros: Int64, dateOnly: Bool)? {
        let bytes = Array(s.utf8)
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= bytes.count else { return nil }
            var v: Int64 = 0
            for b in bytes[i..<(i + n)] {
                guard b >= 48 && b <= 57 else { return nil }
                v = v * 10 + Int64(b - 48)
            }
            i += n
            return v
        }
        func expect(_ c: Character) -> Bool {
            guard i < bytes.count, bytes[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect("-"), let month = digits(2), expect("-"), let dayOfMonth = digits(2),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(dayOfMonth) else { return nil }
        let midnight = CivilDate.days(year: year, month: month, day: dayOfMonth) * 86_400_000_000
        if i == bytes.count { return (midnight, true) }
        guard expect("T") || expect("t") || expect(" "), let hour = digits(2), hour < 24, expect(":"), let minute = digits(2), minute < 60 else { return nil }
        var micros = (hour * 3600 + minute * 60) * 1_000_000
        if expect(":") {
            guard let second = digits(2), second < 60 else { return nil }
            micros += second * 1_000_000
            if expect(".") {
                guard let fraction = CivilDate.fractionMicros(bytes, &i) else { return nil }
                micros += fraction
            }
        }
        var offset: Int64 = 0
        if expect("Z") || expect("z") {
        } else if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[i] == UInt8(ascii: "+") ? 1 : -1
            i += 1
            guard let oh = digits(2), oh < 24, expect(":"), let om = digits(2), om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60) * 1_000_000
        }
        guard i == bytes.count else { return nil }
        return (midnight + micros - offset, false)
    }

    /// `2025-11-24T16:00:00Z` (seconds), or with `micros` `…:00.000000Z`.
    public static func iso(_ unixMicros: Int64, micros: Bool = false) -> String {
        CivilDate.iso(unixMicros: unixMicros, micros: micros)
    }

    /// A period in the largest whole unit: `90 days`, `36 hours`, `15 minutes`, `1:02:03`.
    public static func period(_ micros: Int64) -> String {
        for (unit, name) in [(Int64(86_400_000_000), "day"), (3_600_000_000, "hour"), (60_000_000, "minute")] where micros >= unit && micros % unit == 0 {
            let n = micros / unit
            return "\(n) \(name)\(n == 1 ? "" : "s")"
        }
        return duration(micros)
    }

    /// `1:02:03` or `2:03` (whole seconds).
    public static func duration(_ micros: Int64) -> String {
        let total = max(0, micros) / 1_000_000
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(s))" : "\(m):\(two(s))"
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// A point in time as catalog commands take it, parsed once and resolved against the clock
/// when it is used (see `CatalogTime.parse` for the forms).
public enum CatalogDate: Sendable, Equatable {
    /// The moment of resolving.
    case now
    /// Midnight UTC starting the current day.
    case today
    /// Midnight UTC starting the day before.
    case yesterday
    /// That many microseconds before now (`7d`).
    case ago(micros: Int64)
    /// A date alone: the midnight UTC that starts it, in microseconds since 1970.
    case day(startMicros: Int64)
    /// A date and time, in microseconds since 1970.
    case instant(micros: Int64)

    /// Parses `text`, or returns nil for anything `CatalogTime.parse` does not accept.
    public init?(_ text: String) {
        let s = text.trimmingCharacters(in: " ")
        switch s.lowercased() {
        case "now": self = .now
        case "today": self = .today
        case "yesterday": self = .yesterday
        default:
            if let period = CatalogTime.parsePeriod(s) {
                self = .ago(micros: period)
            } else if let (micros, dateOnly) = CatalogTime.parseAbsolute(s) {
                self = dateOnly ? .day(startMicros: micros) : .instant(micros: micros)
            } else {
                return nil
            }
        }
    }

    /// Microseconds since 1970. With `endOfDay`, a day (a date alone, today, yesterday)
    /// stands for the midnight that ends it, so that an upper bound includes that day.
    public func micros(nowMicros: Int64, endOfDay: Bool = false) -> Int64 {
        let day: Int64 = 86_400_000_000
        let end = endOfDay ? day : 0
        switch self {
        case .now: return nowMicros
        case .today: return CatalogTime.floorDiv(nowMicros, day) * day + end
        case .yesterday: return (CatalogTime.floorDiv(nowMicros, day) - 1) * day + end
        case .ago(let micros): return nowMicros.subtractingReportingOverflow(micros).overflow ? .min : nowMicros - micros
        case .day(let start): return start + end
        case .instant(let micros): return micros
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
