import PsrecFormat

/// Calendar dates and times of day as written by recorders, to microseconds since 1970,
/// without Foundation's date formatters (which depend on the locale).
enum CivilTime {
    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][±HH:MM|±HHMM|Z]` (a `T` may separate date and time),
    /// as util-linux `script` writes `START_TIME` and its "Script started on" line.
    /// Without a zone the time is taken as UTC.
    ///
    /// - Returns: microseconds since 1970-01-01T00:00:00Z, or nil when the text is not such a time.
    static func parseISO(_ text: Substring) -> Int64? {
        let bytes = Array(text.utf8)
        var i = 0
        func number(_ digits: Int) -> Int64? {
            guard i + digits <= bytes.count else { return nil }
            var value: Int64 = 0
            for k in i..<(i + digits) {
                guard bytes[k] >= 0x30 && bytes[k] <= 0x39 else { return nil }
                value = value * 10 + Int64(bytes[k] - 0x30)
            }
            i += digits
            return value
        }
        func expect(_ allowed: [UInt8]) -> Bool {
            guard i < bytes.count, allowed.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect([0x2D]), let month = number(2), expect([0x2D]), let day = number(2),
              expect([0x20, 0x54]), let hour = number(2), expect([0x3A]), let minute = number(2),
              expect([0x3A]), let second = number(2) else { return nil }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var micros: Int64 = 0
        if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard let fraction = CivilDate.fractionMicros(bytes, &i) else { return nil }
            micros = fraction
        }
        var offsetSeconds: Int64 = 0
        if i < bytes.count {
            if bytes[i] == UInt8(ascii: "Z") {
                i += 1
            } else {
                guard bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") else { return nil }
                let sign: Int64 = bytes[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard let zoneHours = number(2) else { return nil }
                _ = expect([0x3A])
                guard let zoneMinutes = number(2) else { return nil }
                offsetSeconds = sign * (zoneHours * 3600 + zoneMinutes * 60)
            }
        }
        guard i == bytes.count else { return nil }
        let days = CivilDate.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return seconds * 1_000_000 + micros
    }
}
