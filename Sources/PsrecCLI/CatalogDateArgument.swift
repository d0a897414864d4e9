import ArgumentParser
import PsrecCatalog

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
