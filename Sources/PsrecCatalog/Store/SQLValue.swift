public import Foundation

/// A value as the catalog's two engines store it: SQLite's storage classes, which every
/// PostgreSQL column type the schema uses maps onto (BIGINT, DOUBLE PRECISION, TEXT, BYTEA;
/// a BOOLEAN read from PostgreSQL arrives as 0 or 1).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift value the catalog writes into a column or reads out of one.
public protocol SQLValueConvertible {
    var sqlValue: SQLValue { get }
    /// The value, or nil when `value` is NULL or of another kind.
    static func fromSQL(_ value: SQLValue) -> Self?
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public static func fromSQL(_ value: SQLValue) -> Int64? {
        switch value {
        case .integer(let integer): integer
        case .real(let real): Int64(exactly: real.rounded(.towardZero))
        case .text(let text): Int64(text)
        default: nil
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) -> Int? { Int64.fromSQL(value).map { Int(truncatingIfNeeded: $0) } }
}

extension Int32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) -> Int32? { Int64.fromSQL(value).flatMap { Int32(exactly: $0) } }
}

extension UInt32: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) -> UInt32? { Int64.fromSQL(value).flatMap { UInt32(exactly: $0) } }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public static func fromSQL(_ value: SQLValue) -> Double? {
        switch value {
        case .integer(let integer): Double(integer)
        case .real(let real): real
        case .text(let text): Double(text)
        default: nil
        }
    }
}

extension Bool: SQLValueConvertible {
    /// Stored as 0 or 1 in both engines (INTEGER columns with a CHECK), so that the same
    /// comparisons (`legal_hold = 1`) hold in both.
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func fromSQL(_ value: SQLValue) -> Bool? { Int64.fromSQL(value).map { $0 != 0 } }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public static func fromSQL(_ value: SQLValue) -> String? {
        switch value {
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .real(let real): String(real)
        case .blob(let data): String(decoding: data, as: UTF8.self)
        case .null: nil
        }
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob(self) }
    public static func fromSQL(_ value: SQLValue) -> Data? {
        switch value {
        case .blob(let data): data
        case .text(let text): Data(text.utf8)
        default: nil
        }
    }
}

extension SQLValueConvertible where Self: RawRepresentable, RawValue == String {
    public var sqlValue: SQLValue { .text(rawValue) }
    public static func fromSQL(_ value: SQLValue) -> Self? { String.fromSQL(value).flatMap(Self.init(rawValue:)) }
}

/// A statement's arguments: positional (`?`) or named (`:name`), never both.
public struct SQLArguments: Sendable, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public var positional: [SQLValue] = []
    public var named: [String: SQLValue] = [:]

    public init() {}

    public init(_ values: [(any SQLValueConvertible)?]) {
        positional = values.map { $0?.sqlValue ?? .null }
    }

    public init(_ values: [String: (any SQLValueConvertible)?]) {
        for (name, value) in values { named[name] = value?.sqlValue ?? .null }
    }

    public init(arrayLiteral elements: (any SQLValueConvertible)?...) { self.init(elements) }

    public init(dictionaryLiteral elements: (String, (any SQLValueConvertible)?)...) {
        for (name, value) in elements { named[name] = value?.sqlValue ?? .null }
    }

    public subscript(name: String) -> (any SQLValueConvertible)? {
        get { nil }
        set { named[name] = newValue?.sqlValue ?? .null }
    }

    public mutating func append(_ value: (any SQLValueConvertible)?) {
        positional.append(value?.sqlValue ?? .null)
    }

    public var isEmpty: Bool { positional.isEmpty && named.isEmpty }
}

/// One row a query returned: its columns by position and by (lowercased) name.
public struct SQLRow: Sendable {
    public let names: [String]
    public let values: [SQLValue]

    public init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    public func hasColumn(_ name: String) -> Bool { index(name) != nil }

    /// Whether the column holds NULL.
    public func isNull(_ name: String) -> Bool { value(name) == .null }

    private func index(_ name: String) -> Int? {
        if let exact = names.firstIndex(of: name) { return exact }
        let lower = name.lowercased()
        return names.firstIndex { $0.lowercased() == lower }
    }

    public func value(_ name: String) -> SQLValue {
        guard let index = index(name) else { preconditionFailure("The query has no column \(name); it has \(names).") }
        return values[index]
    }

    /// The column's value; a NULL or a value of another kind is a programming error, as the
    /// schema's constraints make it impossible.
    public subscript<T: SQLValueConvertible>(name: String) -> T {
        let value = value(name)
        guard let converted = T.fromSQL(value) else { preconditionFailure("Column \(name) holds \(value), not a \(T.self).") }
        return converted
    }

    public subscript<T: SQLValueConvertible>(name: String) -> T? {
        T.fromSQL(value(name))
    }

    public subscript<T: SQLValueConvertible>(position: Int) -> T {
        guard let converted = T.fromSQL(values[position]) else { preconditionFailure("Column \(position) holds \(values[position]), not a \(T.self).") }
        return converted
    }

    public subscript<T: SQLValueConvertible>(position: Int) -> T? {
        T.fromSQL(values[position])
    }
}

extension SQLArguments {
    /// Positional arguments followed by more.
    public static func += (lhs: inout SQLArguments, rhs: SQLArguments) {
        lhs.positional += rhs.positional
        for (name, value) in rhs.named { lhs.named[name] = value }
    }
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public static func fromSQL(_ value: SQLValue) -> SQLValue? { value }
}
