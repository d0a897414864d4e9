import Foundation

/// The catalog's statements, written once in the SQL that SQLite accepts, in PostgreSQL's
/// spelling. What is rewritten, and only outside string literals and quoted identifiers:
///
/// - `?` and `:name` placeholders become `$1`, `$2`… (a name used twice is one parameter);
/// - the column `user`, a reserved word in PostgreSQL (it means `current_user`), is quoted;
/// - `INSERT OR IGNORE INTO …` becomes `INSERT INTO … ON CONFLICT DO NOTHING`;
/// - `LIMIT -1` (no limit, before an OFFSET) becomes `LIMIT ALL`.
///
/// Everything else the catalog writes is common to both engines (`ON CONFLICT … DO UPDATE`,
/// `coalesce`, `substr` and `length` of a blob, `EXISTS`); what is not (full-text search,
/// sizes, vacuum, the schema) is in `Catalog+Engine.swift`.
package enum PostgresSQL {
    package struct Translation: Sendable {
        package var sql: String
        /// For each `$n`, the name of the `:name` argument it takes, when the statement
        /// uses names.
        package var names: [String]
    }

    private static let cache = TranslationCache()

    package static func translate(_ sql: String) -> Translation {
        if let known = cache.get(sql) { return known }
        let translation = rewrite(sql)
        cache.set(sql, translation)
        return translation
    }

    private static func rewrite(_ sql: String) -> Translation {
        let characters = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var names: [String] = []
        var positional = 0
        var ignoreConflicts = false
        var i = 0
        var lastWord = ""
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c == "_" || CharacterSet.letters.contains(c) }
        func isWord(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || CharacterSet.decimalDigits.contains(c) }
        while i < characters.count {
            let c = characters[i]
            if c == "'" || c == "\"" {
                // A literal or a quoted identifier, copied as it is ('' and "" are escapes).
                out.append(c)
                i += 1
                while i < characters.count {
                    out.append(characters[i])
                    if characters[i] == c {
                        if i + 1 < characters.count && characters[i + 1] == c {
                            out.append(characters[i + 1])
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    i += 1
                }
                continue
            }
            if c == "?" {
                positional += 1
                out.append(contentsOf: "$\(positional)".unicodeScalars)
                i += 1
                continue
            }
            if c == ":" && i + 1 < characters.count && isWordStart(characters[i + 1]) && (i == 0 || characters[i - 1] != ":") {
                var j = i + 1
                while j < characters.count && isWord(characters[j]) { j += 1 }
                let name = String(String.UnicodeScalarView(characters[(i + 1)..<j]))
                let number = (names.firstIndex(of: name) ?? { names.append(name); return names.count - 1 }()) + 1
                out.append(contentsOf: "$\(number)".unicodeScalars)
                i = j
                continue
            }
            if isWordStart(c) {
                var j = i
                while j < characters.count && isWord(characters[j]) { j += 1 }
                let word = String(String.UnicodeScalarView(characters[i..<j]))
                let upper = word.uppercased()
                if upper == "USER" {
                    out.append(contentsOf: "\"user\"".unicodeScalars)
                } else if upper == "OR" && lastWord == "INSERT" {
                    // INSERT OR IGNORE: drop "OR IGNORE", remember to add the conflict clause.
                    var k = j
                    while k < characters.count && characters[k] == " " { k += 1 }
                    var m = k
                    while m < characters.count && isWord(characters[m]) { m += 1 }
                    let next = String(String.UnicodeScalarView(characters[k..<m])).uppercased()
                    precondition(next == "IGNORE", "INSERT OR \(next) has no PostgreSQL spelling; write it as an upsert.")
                    ignoreConflicts = true
                    // Also drop the space after IGNORE.
                    i = m
                    while i < characters.count && characters[i] == " " { i += 1 }
                    lastWord = "IGNORE"
                    continue
                } else if upper == "LIMIT" {
                    var k = j
                    while k < characters.count && characters[k] == " " { k += 1 }
                    if k + 1 < characters.count && characters[k] == "-" && characters[k + 1] == "1"
                        && (k + 2 == characters.count || !isWord(characters[k + 2])) {
                        out.append(contentsOf: "LIMIT ALL".unicodeScalars)
                        i = k + 2
                        lastWord = "ALL"
                        continue
                    }
                    out.append(contentsOf: word.unicodeScalars)
                } else {
                    out.append(contentsOf: word.unicodeScalars)
                }
                lastWord = upper
                i = j
                continue
            }
            out.append(c)
            i += 1
        }
        var result = String(out)
        if ignoreConflicts {
            result = result.trimmingCharacters(in: .whitespacesAndNewlines)
            if result.hasSuffix(";") { result.removeLast() }
            result += " ON CONFLICT DO NOTHING"
        }
        return Translation(sql: result, names: names)
    }

    /// Statements of a script one at a time: split at semicolons outside literals, quoted
    /// identifiers and `$$` bodies (PostgreSQL runs one statement per extended query).
    package static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var quote: Character?
        var dollar = false
        var previous: Character = " "
        for c in script {
            current.append(c)
            if dollar {
                if c == "$" && previous == "$" { dollar = false; previous = " "; continue }
            } else if let open = quote {
                if c == open { quote = nil }
            } else if c == "'" || c == "\"" {
                quote = c
            } else if c == "$" && previous == "$" {
                dollar = true
                previous = " "
                continue
            } else if c == ";" {
                current.removeLast()
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            }
            previous = c
        }
        let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !statement.isEmpty { statements.append(statement) }
        return statements
    }
}

private final class TranslationCache: @unchecked Sendable {
    private let lock = NSLock()
    private var translations: [String: PostgresSQL.Translation] = [:]

    func get(_ sql: String) -> PostgresSQL.Translation? {
        lock.lock(); defer { lock.unlock() }
        return translations[sql]
    }

    func set(_ sql: String, _ translation: PostgresSQL.Translation) {
        lock.lock(); defer { lock.unlock() }
        // Statements are a fixed set but for the values some interpolate (LIMIT, id lists);
        // a full cache starts again rather than grow without bound.
        if translations.count > 4096 { translations.removeAll() }
        translations[sql] = translation
    }
}
