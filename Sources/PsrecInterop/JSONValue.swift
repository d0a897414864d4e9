/// A JSON value from an asciicast header. Numbers keep their decimal text so times convert
/// exactly (see `DecimalMicros`).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var numberText: String? {
        if case .number(let text) = self { return text }
        return nil
    }

    /// The value as header text: strings as they are, numbers as written, booleans as
    /// `true`/`false`; nil for null, arrays and objects.
    var scalarText: String? {
        switch self {
        case .string(let s): s
        case .number(let text): text
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }
}
