import ArgumentParser
import PsrecCatalog

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
