import ArgumentParser
import Foundation
import PsrecCatalog
import PsrecFormat

/// `psrec search --db DB [filters] [--json|--csv]`.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find recordings in a catalog.",
        discussion: """
        Filters combine (all must hold). Dates are UTC: 2025-11-24, 2025-11-24T16:30, \
        2025-11-24 16:30:05, with an optional Z or +01:00; or relative: 30m, 12h, 7d, 2w \
        (that long ago; a bare number is refused: 7d, not 7), today, yesterday, now. --to \
        with a date alone includes that day. --min-duration takes seconds (90) or 1:30, 2m. \
        --text finds recordings whose terminal showed these words, in this order (escape \
        sequences removed); recordings imported with --defer-text and not yet indexed by \
        `psrec index` cannot be found this way, and a note on stderr says how many were left \
        out. --where COLUMN=VALUE compares any column of the recordings table \
        and can be repeated. With --as, only recordings that user may see are listed. \
        Newest first. Exit status: 0 success (also when nothing matches), 3 the catalog \
        cannot be read, 64 usage error (an unknown column, a malformed date).
        """)

    @OptionGroup var catalog: CatalogOptions

    @Option(help: "Recordings of this user (the account the session ran as).")
    var user: String?

    @Option(help: "Recordings of this application.")
    var app: String?

    @Option(name: .customLong("protocol"), help: "Recordings of this session protocol.")
    var sessionProtocol: RecordingMetadata.SessionProtocol?

    @Option(help: "Recordings made on this host.")
    var host: String?

    @Option(help: ArgumentHelp("Started at or after this time (a date, a time, or 7d for seven days ago).", valueName: "date"),
            transform: CatalogDateArgument.parse)
    var from: CatalogDateArgument?

    @Option(help: ArgumentHelp("Started before this time (a date alone includes that day).", valueName: "date"),
            transform: CatalogDateArgument.parse)
    var to: CatalogDateArgument?

    @Option(help: "Recordings with this status: the verdict at import, or live or interrupted while streamed.")
    var status: RecordingState?

    @Option(help: ArgumentHelp("At least this long (seconds: 90; 1:30; 2m, 1h).", valueName: "time"), transform: SessionTime.parse)
    var minDuration: SessionTime?

    @Option(help: ArgumentHelp("With at least one indicator of this kind.", valueName: "kind"))
    var indicator: IndicatorKind?

    @Option(help: ArgumentHelp("Sealed by a key the catalog trusts (psrec key trust), by another key (untrusted), unsealed, failed (a seal does not hold), or unchecked.", valueName: "state"))
    var seal: SealState?

    @Option(help: ArgumentHelp("Whose terminal showed these words.", valueName: "string"))
    var text: String?

    @Option(name: .customLong("where"), help: ArgumentHelp("A column of the recordings table equal to a value (repeatable).", valueName: "column=value"))
    var conditions: [String] = []

    @Option(help: "At most this many recordings.")
    var limit: Int?

    @Flag(help: "Print one JSON object per recording (JSON lines).")
    var json = false

    @Flag(help: "Print CSV with a header line.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("Choose one of --json and --csv.") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more.") }
        _ = try query(nowMicros: 0)
    }

    func query(nowMicros: Int64) throws -> RecordingQuery {
        var q = RecordingQuery()
        q.user = user
        q.application = app
        q.sessionProtocol = sessionProtocol
        q.host = host
        q.status = status
        q.indicatorKind = indicator
        q.seal = seal
        q.text = text
        q.limit = limit
        q.fromMicros = from?.date.micros(nowMicros: nowMicros)
        q.toMicros = to?.date.micros(nowMicros: nowMicros, endOfDay: true)
        q.minDurationMicros = minDuration?.micros
        for condition in conditions {
            guard let equals = condition.firstIndex(of: "="), equals != condition.startIndex else {
                throw ValidationError("--where '\(TerminalSafe.escape(condition))' is not COLUMN=VALUE.")
            }
            q.columnEquals.append((String(condition[..<equals]), String(condition[condition.index(after: equals)...])))
        }
        return q
    }

    func run() throws {
        try reporting {
            let now = Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
            let opened = try catalog.open()
            let q = try query(nowMicros: now)
            let found = try opened.search(q, as: catalog.principal)
            let unsearched = text == nil ? 0 : try opened.textPendingCount(matching: q, as: catalog.principal)
            let out = OutputBuffer()
            if json {
                for r in found { out.append(RecordingListing.json(r) + "\n") }
            } else if csv {
                out.append(RecordingListing.csvHeader + "\r\n")
                for r in found { out.append(RecordingListing.csv(r) + "\r\n") }
            } else {
                out.append(RecordingListing.table(found, withMatch: text != nil))
            }
            out.flush()
            if !json && !csv && Console.stdoutIsTerminal || found.isEmpty {
                Console.error("\(found.count) recording\(found.count == 1 ? "" : "s").")
            }
            if unsearched > 0 {
                Console.error("Note: \(unsearched) recording\(unsearched == 1 ? " was" : "s were") not searched for text because \(unsearched == 1 ? "its text is" : "their text is") not indexed yet; `psrec index --db \(TerminalSafe.escape(catalog.db))` indexes \(unsearched == 1 ? "it" : "them").")
            }
            return ExitStatus.ok
        }
    }
}
