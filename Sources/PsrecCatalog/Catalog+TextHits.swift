import Foundation
import PsrecFormat

/// Where a text search matched inside one recording, with the text around it.
public struct TextHit: Sendable, Equatable {
    /// Session time of the terminal text that matched.
    public var timeMicros: Int64
    /// Up to `contextCharacters` before the match, the match, and as many after.
    public var before: String
    public var match: String
    public var after: String
}

/// One indicator of a recording, as the catalog indexed it.
public struct CatalogIndicator: Sendable, Equatable {
    public var timeMicros: Int64
    public var kind: IndicatorKind
    public var detail: String
}

extension Catalog {
    /// Where `text` (as `search` matches it: its words in this order) was shown in
    /// `recording`, first matches first, with up to `contextCharacters` around each.
    /// The caller checks the right to see the recording first (`authorize`).
    /// - Throws: `.emptyTextSearch` for a text with no letter or digit.
    public func textHits(in recording: CatalogRecording, text: String, limit: Int = 3, contextCharacters: Int = 40) throws(CatalogError) -> [TextHit] {
        let phrase = Self.textQuery(dialect, text)
        guard !phrase.isEmpty else {
            throw CatalogError(.emptyTextSearch, "The text to search for needs at least one letter or digit.")
        }
        let words = text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
        return try read { db in
            let rows = try SQLRow.fetchAll(db, sql: """
                SELECT t.time_us, t.text_length, t.text_zstd FROM \(Self.textMatch(db.dialect, parameter: "?"))
                AND t.recording_id = ? ORDER BY t.time_us LIMIT ?
                """, arguments: [phrase, recording.rowID, max(0, limit)])
            let compressor = Compressor()
            return try rows.map { row in
                let packed = row["text_zstd"] as Data
                let bytes = try packed.withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: row["text_length"]) }
                return Self.hit(in: String(decoding: bytes, as: UTF8.self), words: words, time: row["time_us"], context: contextCharacters)
            }
        }
    }

    /// The first hit of `text` in each of `recordings` that has one, by recording ID: what
    /// a page of search results shows. One full-text match for all of them (asking
    /// `textHits` of each would run the match once per recording), then only the first
    /// matching row of each is read and decompressed.
    /// The caller checks the right to see the recordings first (`search` does).
    /// - Throws: `.emptyTextSearch` for a text with no letter or digit.
    public func firstTextHits(in recordings: [CatalogRecording], text: String, contextCharacters: Int = 40) throws(CatalogError) -> [String: TextHit] {
        let phrase = Self.textQuery(dialect, text)
        guard !phrase.isEmpty else {
            throw CatalogError(.emptyTextSearch, "The text to search for needs at least one letter or digit.")
        }
        guard !recordings.isEmpty else { return [:] }
        let words = text.split { !($0.isLetter || $0.isNumber) }.map(String.init)
        let byRow = Dictionary(recordings.map { ($0.rowID, $0.uuid) }, uniquingKeysWith: { first, _ in first })
        let ids = byRow.keys.map(String.init).joined(separator: ",")
        return try read { db in
            let first = try SQLRow.fetchAll(db, sql: Self.firstTextMatches(db.dialect, ids: ids), arguments: [phrase]).map { $0[0] as Int64 }
            guard !first.isEmpty else { return [:] }
            let compressor = Compressor()
            var hits: [String: TextHit] = [:]
            for row in try SQLRow.fetchAll(db, sql: "SELECT recording_id, time_us, text_length, text_zstd FROM terminal_text WHERE id IN (\(first.map(String.init).joined(separator: ",")))") {
                let packed = row["text_zstd"] as Data
                let bytes = try packed.withUnsafeBytes { try compressor.decompress($0, codec: .zstd, decodedLength: row["text_length"]) }
                guard let uuid = byRow[row["recording_id"]] else { continue }
                hits[uuid] = Self.hit(in: String(decoding: bytes, as: UTF8.self), words: words, time: row["time_us"], context: contextCharacters)
            }
            return hits
        }
    }

    /// The first place in `text` where `words` follow each other (separated by anything
    /// that is not a letter or digit, case ignored), as FTS5 matched them; the whole row
    /// when the tokenizer found them where this simpler scan does not.
    static func hit(in text: String, words: [String], time: Int64, context: Int) -> TextHit {
        let characters = Array(text)
        func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber }
        var found: Range<Int>?
        var start = 0
        search: while start < characters.count {
            var at = start
            for (n, word) in words.enumerated() {
                if n > 0 { while at < characters.count && !isWordCharacter(characters[at]) { at += 1 } }
                let end = at + word.count
                guard end <= characters.count, String(characters[at..<end]).lowercased() == word.lowercased() else {
                    start += 1
                    continue search
                }
                at = end
            }
            found = start..<at
            break
        }
        guard let found else {
            return TextHit(timeMicros: time, before: "", match: String(characters.prefix(context * 2)), after: "")
        }
        let from = max(0, found.lowerBound - context), to = min(characters.count, found.upperBound + context)
        return TextHit(timeMicros: time, before: String(characters[from..<found.lowerBound]), match: String(characters[found]),
                       after: String(characters[found.upperBound..<to]))
    }

    /// The indicators of `recording` in time order, at most `limit`. The caller checks the
    /// right to see the recording first (`authorize`).
    public func indicators(of recording: CatalogRecording, limit: Int = 1000) throws(CatalogError) -> [CatalogIndicator] {
        try read { db in
            try SQLRow.fetchAll(db, sql: "SELECT time_us, kind, detail FROM indicators WHERE recording_id = ? ORDER BY time_us, id LIMIT ?",
                             arguments: [recording.rowID, max(0, limit)]).map { row in
                CatalogIndicator(timeMicros: row["time_us"], kind: row["kind"], detail: row["detail"])
            }
        }
    }
}
