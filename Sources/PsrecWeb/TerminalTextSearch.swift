import PsrecCatalog
import PsrecFormat

/// Where a text hit was written to the terminal, to the event.
///
/// The catalog's text rows (`terminal_text`) each hold many lines under one time, so a hit's
/// time can be minutes before the text appeared. The player seeks to the output event that
/// wrote the hit's first word: the output from the row's time is scanned for it (letters
/// compared without case, across event boundaries), at most `limitBytes` of it, and the
/// row's time is kept when it is not found there (the word drawn with escape sequences in
/// the middle, say).
enum TerminalTextSearch {
    static let limitBytes = 2 << 20

    /// The session time at which each hit's first word was written, in the order of `hits`.
    static func refinedTimes(_ hits: [TextHit], reader: RecordingReader, limitBytes: Int = limitBytes) -> [Int64] {
        hits.map { hit in
            let word = hit.match.prefix { $0.isLetter || $0.isNumber }
            let needle = Array(String(word.isEmpty ? Substring(hit.match) : word).lowercased().utf8)
            guard !needle.isEmpty, hit.timeMicros >= 0 else { return hit.timeMicros }
            let start = reader.entryIndex(atOrAfter: hit.timeMicros)
            var found: Int64?
            var window: [UInt8] = [], scanned = 0
            TerminalReplay.walk(reader, from: TerminalPosition(entry: start, eventIndex: 0)) { event, _ in
                guard event.type == .output, event.timeMicros >= hit.timeMicros else { return true }
                for byte in event.body {
                    window.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
                    if window.count > needle.count { window.removeFirst(window.count - needle.count) }
                    if window == needle { found = event.timeMicros; return false }
                }
                scanned += event.body.count
                return scanned < limitBytes
            }
            return found ?? hit.timeMicros
        }
    }
}
