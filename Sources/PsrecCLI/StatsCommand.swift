import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// `psrec stats --db DB`.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the catalog's disk usage per application and per user.",
        discussion: """
        Content is the recordings' files as imported; text is what the terminal showed, kept \
        for full-text search (its index takes about as much again); recordings imported with \
        --defer-text have none until `psrec index` builds it, and their count is shown. \
        Without --as the space per table follows. Exit status: 0 success, 3 the catalog cannot be read, 64 usage error.
        """)

    @OptionGroup var catalog: CatalogOptions

    func run() throws {
        try reporting {
            let usage = try catalog.open().usage(as: catalog.principal)
            let out = OutputBuffer()
            for (title, rows) in [("APPLICATION", usage.byApplication), ("USER", usage.byUser)] {
                var table = [[title, "RECORDINGS", "DURATION", "CONTENT", "TEXT", "INDICATORS"]]
                for r in rows {
                    table.append([RecordingListing.show(r.name), String(r.recordings), CatalogTime.duration(r.durationMicros),
                                  RecordingListing.bytes(r.contentBytes), RecordingListing.bytes(r.textBytes), String(r.indicators)])
                }
                out.append(RecordingListing.aligned(table, rightAligned: [1, 2, 3, 4, 5]) + "\n")
            }
            out.append("Catalog file: \(RecordingListing.bytes(usage.fileBytes)) (\(RecordingListing.bytes(usage.freeBytes)) free, given back by prune)\n")
            let pending = usage.textPendingRecordings
            out.append("Text not indexed yet: \(pending) recording\(pending == 1 ? "" : "s")"
                       + (pending > 0 ? " (not found by search --text until `psrec index --db \(TerminalSafe.escape(catalog.db))` indexes them)" : "") + "\n")
            if !usage.tables.isEmpty {
                out.append("\n" + RecordingListing.aligned([["TABLE OR INDEX", "SIZE"]] + usage.tables.map { [$0.name, RecordingListing.bytes($0.bytes)] }, rightAligned: [1]))
            }
            out.flush()
            return ExitStatus.ok
        }
    }
}
