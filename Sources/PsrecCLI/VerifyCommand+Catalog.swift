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
        var sealFailures = 0, changed = 0
        for recording in recordings {
            try catalog.authorize(.view, recording, as: principal)
            let verdict = Validator.verify(try catalog.content(of: recording))
            counts[verdict.status, default: 0] += 1
            worst = max(worst, verdict.status)
            // The seals, checked again from the stored bytes; what changed is stored.
            let seal = try catalog.recheckSeals(recording, by: principal)
            if seal.changed { changed += 1 }
            let sealFails = seal.state == .failed
            if sealFails { sealFailures += 1 }
            if quiet && verdict.status == .complete && !sealFails { continue }
            let name = "recording \(recording.uuid)"
            var text = json ? VerdictText.json(verdict, path: name, seal: seal.report) : VerdictText.text(verdict, path: name)
            if !json, seal.report.status != .unsealed {
                text += "\n  " + SealText.catalogText(seal.report, state: seal.state, complete: verdict.status == .complete)
            }
            out.append(text + "\n")
        }
        out.flush()
        let summary = Verdict.Status.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
        let seals = (sealFailures > 0 ? "; \(sealFailures) failing their seals" : "") + (changed > 0 ? "; \(changed) seal verdicts updated" : "")
        if !json || !quiet { Console.error("\(recordings.count) recording\(recordings.count == 1 ? "" : "s") in \(TerminalSafe.escape(db)): \(summary)\(seals)") }
        return sealFailures > 0 ? max(worst.exitStatus, ExitStatus.corrupt) : worst.exitStatus
    }
}
