import PsrecCatalog
import PsrecFormat

extension VerifyCommand {
    /// Verifies recordings stored in a catalog: the named ones, or every one the user may see.
    func verifyCatalog(_ db: String) throws -> Int32 {
        let catalog = try Catalog(path: db)
        let principal = try CatalogPrincipal.make(asUser)
        let recordings = paths.isEmpty ? try catalog.search(RecordingQuery(), as: principal).reversed() : try paths.map { try catalog.recording($0, as: principal) }
        let out = OutputBuffer()
        var counts: [Verdict.Status: Int] = [:]
        var worst = Verdict.Status.complete
        for recording in recordings {
            try catalog.authorize(.view, recording, as: principal)
            let verdict = Validator.verify(try catalog.content(of: recording))
            counts[verdict.status, default: 0] += 1
            worst = max(worst, verdict.status)
            if quiet && verdict.status == .complete { continue }
            let name = "recording \(recording.uuid)"
            out.append((json ? VerdictText.json(verdict, path: name) : VerdictText.text(verdict, path: name)) + "\n")
        }
        out.flush()
        let summary = Verdict.Status.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        if !json || !quiet { Console.error("\(recordings.count) recording\(recordings.count == 1 ? "" : "s") in \(TerminalSafe.escape(db)): \(summary)") }
        return worst.exitStatus
    }
}
