/// Proleptic Gregorian dates and RFC 3339 UTC times for the microsecond timestamps of the
/// format (`start_unix_us`), without Foundation's locale-dependent formatters.
///
/// The day arithmetic is Howard Hinnant's `days_from_civil` and `civil_from_days`.
public enum CivilDate {
    /// Days since 1970-01-01 of a date.
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01.
    public static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2025-11-24T16:00:00Z`, or with `micros` `2025-11-24T16:00:00.000000Z`.
    public static func iso(unixMicros: Int64, micros: Bool = true) -> String {
        let seconds = floorDivide(unixMicros, 1_000_000)
        let fraction = unixMicros - seconds * 1_000_000
        let days = floorDivide(seconds, 86_400)
        let rest = seconds - days * 86_400
        let (y, m, d) = date(days: days)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let time = "\(pad(rest / 3600, 2)):\(pad(rest / 60 % 60, 2)):\(pad(rest % 60, 2))"
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(time)" + (micros ? ".\(pad(fraction, 6))" : "") + "Z"
    }

    /// The fraction of a second in `bytes` from `i` (the digits after a decimal point), in
    /// microseconds; digits past the sixth are read and dropped. Nil when no digit is there.
    public static func fractionMicros(_ bytes: [UInt8], _ i: inout Int) -> Int64? {
        var micros: Int64 = 0
        var scale: Int64 = 100_000
        let start = i
        while i < bytes.count, bytes[i] >= 0x30 && bytes[i] <= 0x39 {
            micros += Int64(bytes[i] - 0x30) * scale
            scale /= 10
            i += 1
        }
        return i > start ? micros : nil
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
