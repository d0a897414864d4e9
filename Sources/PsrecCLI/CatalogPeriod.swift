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
