import ArgumentParser
import PsrecCatalog

/// A length of time in the catalog's terms (an age for `prune --older-than`, the age in a
/// relative date): a number with a unit, `30s`, `15m`, `12h`, `7d`, `2w`.
///
/// A bare number is refused with a sentence suggesting days: everywhere else in psrec a
/// bare `90` is seconds (a session time), and 90 seconds is never the period meant here.
struct CatalogPeriod: ExpressibleByArgument, Equatable, CustomStringConvertible {
    var micros: Int64

    init(micros: Int64) { self.micros = micros }

    init?(argument: String) {
        guard let micros = CatalogTime.parsePeriod(argument) else { return nil }
        self.micros = micros
    }

    static func parse(_ text: String) throws -> CatalogPeriod {
        if let period = CatalogPeriod(argument: text) { return period }
        throw ValidationError(problem(text) + ".")
    }

    /// Why `text` is not a period: a bare number needs a unit (90d), anything else is not one.
    static func problem(_ text: String) -> String {
        if isBareNumber(text) { return "a bare number has no unit here; write \(text)d for \(text) days (or \(text)h, \(text)w)" }
        return "it is not a period; give a number with a unit: 30m, 12h, 90d or 12w"
    }

    /// Digits alone, as a bare `90` is.
    static func isBareNumber(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 9 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }

    var description: String { CatalogTime.period(micros) }
}

/// How long an application's recordings are kept: a whole number of days (`90d`, `12w`),
/// or `none` (kept until deleted). A bare number is refused, as for every catalog period.
enum RetentionPeriod: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case forever
    case days(Int)

    init?(argument: String) {
        if argument == "none" || argument == "forever" {
            self = .forever
            return
        }
        let day: Int64 = 86_400_000_000
        guard let micros = CatalogTime.parsePeriod(argument), micros >= day, micros % day == 0 else { return nil }
        self = .days(Int(micros / day))
    }

    static func parse(_ text: String) throws -> RetentionPeriod {
        if let period = RetentionPeriod(argument: text) { return period }
        if CatalogPeriod.isBareNumber(text) {
            throw ValidationError("a bare number has no unit here; write \(text)d for \(text) days, or none.")
        }
        if CatalogTime.parsePeriod(text) != nil {
            throw ValidationError("a retention period is a whole number of days; give 90d, 12w or none.")
        }
        throw ValidationError("it is not a retention period; give a number of days or weeks (90d, 12w) or none.")
    }

    /// Days, or nil for none.
    var retentionDays: Int? {
        switch self {
        case .forever: nil
        case .days(let days): days
        }
    }

    var description: String {
        switch self {
        case .forever: "none"
        case .days(let days): "\(days)d"
        }
    }
}

/// A point in time for `search --from/--to`, parsed once; resolved against the clock when
/// the search runs (`7d` is seven days before then).
struct CatalogDateArgument: ExpressibleByArgument {
    var date: CatalogDate

    init?(argument: String) {
        guard let date = CatalogDate(argument) else { return nil }
        self.date = date
    }

    static func parse(_ text: String) throws -> CatalogDateArgument {
        if let date = CatalogDateArgument(argument: text) { return date }
        if CatalogPeriod.isBareNumber(text) {
            throw ValidationError("a bare number has no unit here; write \(text)d for \(text) days ago, or give a date such as 2025-11-24.")
        }
        throw ValidationError("it is not a date; give a date (2025-11-24), a date and time (2025-11-24T16:30, UTC unless an offset is given), an age (30m, 12h, 7d, 2w), today, yesterday or now.")
    }
}
