import Foundation
import PsrecCatalog
import PsrecFormat

/// The search page's parameters, checked, as a `RecordingQuery`: the filters of
/// `psrec search` (same names but `app`, same forms of dates and durations), a sort column
/// and direction, and a page number.
struct SearchForm {
    /// The parameters as given, for filling the form in again and building links.
    var given: [String: String] = [:]
    var query = RecordingQuery()
    var page = 1

    static let filterNames = ["user", "app", "host", "protocol", "from", "to", "status", "min-duration", "indicator", "text"]
    static let maxPage = 10_000
    /// The session protocols the catalog takes.
    static let protocols = ["ssh", "rdp"]

    init(_ parameters: WebParameters, nowMicros: Int64) throws(WebInputError) {
        for name in parameters.values.keys where !(Self.filterNames + ["sort", "dir", "page"]).contains(name) {
            throw WebInputError("The search page has no parameter '\(name)'; its parameters are \((Self.filterNames + ["sort", "dir", "page"]).joined(separator: ", ")).")
        }
        for name in Self.filterNames + ["sort", "dir", "page"] { given[name] = parameters[name] }
        query.user = parameters["user"]
        query.application = parameters["app"]
        query.host = parameters["host"]
        if let text = parameters["protocol"] {
            guard Self.protocols.contains(text) else {
                throw WebInputError("The protocol '\(text)' is not one the catalog knows; give ssh or rdp.")
            }
            query.sessionProtocol = RecordingMetadata.SessionProtocol(rawValue: text)
        }
        if let text = parameters["from"] { query.fromMicros = try Self.date(text, what: "From", nowMicros: nowMicros, endOfDay: false) }
        if let text = parameters["to"] { query.toMicros = try Self.date(text, what: "To", nowMicros: nowMicros, endOfDay: true) }
        if let text = parameters["status"] {
            guard let value = RecordingState(rawValue: text) else {
                throw WebInputError("The status '\(text)' is not one; give \(RecordingState.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.status = value
        }
        if let text = parameters["min-duration"] {
            guard let micros = Self.duration(text) else {
                throw WebInputError("The minimum duration '\(text)' is not a length of time; give seconds (90), m:ss (1:30) or a number with a unit (2m, 1h).")
            }
            query.minDurationMicros = micros
        }
        if let text = parameters["indicator"] {
            guard let kind = IndicatorKind(rawValue: text) else {
                throw WebInputError("The indicator '\(text)' is not a kind of indicator; give \(IndicatorKind.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.indicatorKind = kind
        }
        if let text = parameters["text"] {
            guard text.contains(where: { $0.isLetter || $0.isNumber }) else {
                throw WebInputError("The text to search for needs at least one letter or digit.")
            }
            query.text = text
        }
        if let text = parameters["sort"] {
            guard let column = RecordingOrder.Column(rawValue: text) else {
                throw WebInputError("The results cannot be sorted by '\(text)'; sort by \(RecordingOrder.Column.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            query.order.column = column
            query.order.ascending = column != .start && column != .duration
        }
        if let text = parameters["dir"] {
            guard text == "asc" || text == "desc" else { throw WebInputError("The direction '\(text)' is not one; give asc or desc.") }
            query.order.ascending = text == "asc"
        }
        if let text = parameters["page"] {
            guard text.count <= 6, text.allSatisfy(\.isASCIINumberCharacter), let number = Int(text), (1...Self.maxPage).contains(number) else {
                throw WebInputError("The page '\(text)' is not a page number; give a whole number from 1 to \(Self.maxPage).")
            }
            page = number
        }
        query.limit = WebLimits.pageSize + 1
        query.offset = (page - 1) * WebLimits.pageSize
    }

    /// A date as `psrec search --from/--to` takes it.
    static func date(_ text: String, what: String, nowMicros: Int64, endOfDay: Bool) throws(WebInputError) -> Int64 {
        guard let micros = CatalogTime.parse(text, nowMicros: nowMicros, endOfDay: endOfDay) else {
            throw WebInputError("\(what) '\(text)' is not a date; give 2025-11-24, 2025-11-24T16:30 (UTC unless an offset such as +01:00 follows), or 7d, 12h, today, yesterday.")
        }
        return micros
    }

    /// A length of session time: seconds (`90`), `m:ss` or `h:mm:ss`, or a number with a unit
    /// (`90s`, `2m`, `1h`); nil for anything else.
    static func duration(_ text: String) -> Int64? {
        guard text.count <= 16 else { return nil }
        // At most 9 digits of seconds (31 years): more would overflow microseconds.
        if text.allSatisfy(\.isASCIINumberCharacter) { return text.count <= 9 ? Int64(text).map { $0 * 1_000_000 } : nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2 || parts.count == 3 {
            guard parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCIINumberCharacter) }) else { return nil }
            let numbers = parts.compactMap { Int64($0) }
            guard numbers.dropFirst().allSatisfy({ $0 < 60 }) else { return nil }
            return numbers.reduce(0) { $0 * 60 + $1 } * 1_000_000
        }
        return CatalogTime.parsePeriod(text)
    }

    /// This page's address with `changes` applied (nil removes a parameter).
    func link(_ changes: [String: String?]) -> String {
        var values = given
        for (name, value) in changes { values[name] = value }
        let pairs = (Self.filterNames + ["sort", "dir", "page"]).compactMap { name in
            values[name].map { "\(name)=\(HTMLText.queryValue($0))" }
        }
        return pairs.isEmpty ? "/" : "/?" + pairs.joined(separator: "&")
    }
}

extension Character {
    var isASCIINumberCharacter: Bool { isASCII && isNumber }
}
