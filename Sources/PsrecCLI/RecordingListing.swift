import Foundation
import PsrecCatalog
import PsrecFormat

/// Text, JSON and CSV forms of catalog recordings; every value from the catalog is escaped.
enum RecordingListing {
    static func table(_ recordings: [CatalogRecording], withMatch: Bool) -> String {
        var rows: [[String]] = [["ID", "START (UTC)", "DURATION", "USER", "APPLICATION", "HOST", "PROTO", "STATUS", "SIZE"] + (withMatch ? ["MATCH AT"] : [])]
        for r in recordings {
            var row = [String(r.uuid.prefix(8)), CatalogTime.iso(r.startMicros), CatalogTime.duration(r.durationMicros),
                       show(r.user), show(r.application), show(r.host), show(r.sessionProtocol.rawValue),
                       r.state.rawValue + (r.legalHold ? " (hold)" : ""), bytes(r.fileBytes)]
            if withMatch { row.append(r.matchMicros.map(TimeFormat.clock) ?? "-") }
            rows.append(row)
        }
        guard recordings.count > 0 else { return "" }
        return aligned(rows, rightAligned: [2, 8])
    }

    static func show(_ value: String?) -> String { value.map(TerminalSafe.escape) ?? "-" }

    /// Lines of columns padded to the widest cell (counting characters, not bytes).
    static func aligned(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                if i == row.count - 1 && !rightAligned.contains(i) { return cell }
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ") + "\n"
        }.joined()
    }

    /// `1.4 MB` style sizes (powers of 1000, like `ls --si`).
    static func bytes(_ n: Int64) -> String {
        if n < 1000 { return "\(n) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(n) / 1000
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return String(format1: value) + " " + units[unit]
    }

    static let keys = ["recording_id", "start_time", "start_unix_us", "duration_us", "user", "application", "host",
                       "remote_address", "protocol", "status", "owner", "file_size", "sha256", "legal_hold", "indicators", "imported_at", "match_us", "seal"]

    static func values(_ r: CatalogRecording) -> [String?] {
        [r.uuid, CatalogTime.iso(r.startMicros, micros: true), String(r.startMicros), String(r.durationMicros), r.user, r.application, r.host,
         r.remoteAddress, r.sessionProtocol.rawValue, r.state.rawValue, r.owner, String(r.fileBytes), r.sha256, r.legalHold ? "true" : "false",
         String(r.indicatorCount), CatalogTime.iso(r.importedMicros, micros: true), r.matchMicros.map(String.init), r.seal.rawValue]
    }

    static func json(_ r: CatalogRecording) -> String {
        let numeric: Set<String> = ["start_unix_us", "duration_us", "file_size", "legal_hold", "indicators", "match_us"]
        let fields = zip(keys, values(r)).map { key, value in
            "\"\(key)\":" + (value.map { numeric.contains(key) ? $0 : JSONText.string($0) } ?? "null")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static var csvHeader: String { keys.joined(separator: ",") }

    /// RFC 4180 fields; text that a spreadsheet would run as a formula gets a leading `'`.
    static func csv(_ r: CatalogRecording) -> String {
        values(r).map { value in
            guard let value else { return "" }
            var text = TerminalSafe.escape(value)
            if let first = text.first, "=+-@\t\r".contains(first), Int64(text) == nil { text = "'" + text }
            if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return text
        }.joined(separator: ",")
    }
}

extension String {
    /// A non-negative number with one decimal, without locale-dependent formatting.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }
}
