import ArgumentParser
import Foundation
import PsrecFormat

/// `psrec verify FILE|DIR... [--json] [--quiet]`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check recordings and give each a verdict: complete, truncated, corrupt or invalid.",
        discussion: """
        Every check of the Spec runs on every chunk: signature and header, chunk magic, \
        checksums, lengths and limits, sequence numbers, time order, decompression, event \
        decoding, the seek and indicator indexes, and the trailer. Directories are searched \
        for *.psrec files.

        A sealed recording (format 1.2) also has its hash chain and seals checked, and a \
        line says what holds: the sealed range and its key, or what was altered. Without \
        --trust the seals are checked against the key the file names and reported \
        unverified; with --trust they must be made by one of those keys, and every file \
        must be sealed to its end (to its last seal when truncated). With --db the stored \
        recordings' seals are checked again from the stored bytes, trusted when made by a key \
        the catalog trusts (psrec key trust), and the catalog's verdict is updated where it \
        changed (psrec search --seal).

        Exit status: 0 all complete, 1 the worst is truncated, 2 the worst is corrupt or \
        fails its seals (altered, a seal that does not belong, a key other than the \
        recording's; with --trust also an untrusted key or no seal), 3 the worst is invalid \
        or unreadable, 64 usage error.
        """)

    @Argument(help: "Files or directories to verify (with --db: recording IDs; none verifies every recording).")
    var paths: [String] = []

    @Option(help: ArgumentHelp("Verify recordings stored in this catalog.", valueName: "db"))
    var db: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("With --db: act as this user (only their visible recordings).", valueName: "user"))
    var asUser: String?

    @Option(help: ArgumentHelp("Require seals by this public key, or by any *.pub key in this directory (repeatable).", valueName: "key|dir"))
    var trust: [String] = []

    @Flag(help: "Print one JSON object per file (JSON lines).")
    var json = false

    @Flag(help: "Print only files that are not complete, and the summary.")
    var quiet = false

    func validate() throws {
        if paths.isEmpty && db == nil { throw ValidationError("Give at least one file or directory to verify.") }
        if asUser != nil && db == nil { throw ValidationError("--as applies to recordings in a catalog; give --db as well.") }
        if !trust.isEmpty && db != nil { throw ValidationError("--trust applies to files; the catalog's recordings are checked against the keys it trusts (psrec key trust).") }
    }

    func run() throws {
        try reporting {
            if let db { return try verifyCatalog(db) }
            let files = try FileDiscovery.psrecFiles(paths)
            if files.isEmpty { throw CommandFailure("No .psrec files found in \(paths.map(TerminalSafe.escape).joined(separator: ", ")).") }
            let trusted = trust.isEmpty ? nil : try SealKeyFiles.trustStore(trust)
            let totalBytes = files.reduce(Int64(0)) { $0 + $1.size }
            let progress = ProgressBar(total: totalBytes, files: files.count,
                                       enabled: Console.stderrIsTerminal && (files.count >= 20 || totalBytes >= 256 << 20))
            let out = OutputBuffer()
            var counts: [Verdict.Status: Int] = [:]
            var worst = Verdict.Status.complete
            var sealFailures = 0
            for file in files {
                progress.start(file.path)
                let verdict = Validator.verify(path: file.path)
                let seal = verdict.status == .invalid ? nil : SealVerifier.verify(path: file.path, trusted: trusted)
                progress.finish(file.size)
                counts[verdict.status, default: 0] += 1
                worst = max(worst, verdict.status)
                let sealFails = seal.map { SealText.fails($0, trusted: trusted != nil, complete: verdict.status == .complete) } ?? false
                if sealFails { sealFailures += 1 }
                if quiet && verdict.status == .complete && !sealFails { continue }
                progress.clear()
                var text = json ? VerdictText.json(verdict, path: file.path, seal: seal) : VerdictText.text(verdict, path: file.path)
                if !json, let seal, seal.status != .unsealed || trusted != nil {
                    text += "\n  " + SealText.text(seal, trusted: trusted != nil, complete: verdict.status == .complete)
                }
                out.append(text + "\n")
                out.flush()
            }
            progress.clear()
            out.flush()
            let summary = Verdict.Status.allCases.map { "\(counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            let seals = trusted != nil || sealFailures > 0 ? "; \(sealFailures) failing \(trusted != nil ? "the trusted seals" : "their seals")" : ""
            if !json || !quiet { Console.error("\(files.count) file\(files.count == 1 ? "" : "s"): \(summary)\(seals)") }
            return sealFailures > 0 ? max(worst.exitStatus, ExitStatus.corrupt) : worst.exitStatus
        }
    }
}

/// Text and JSON forms of a verdict, with the same status words.
enum VerdictText {
    static func text(_ v: Verdict, path: String) -> String {
        let name = TerminalSafe.escape(path)
        switch v.status {
        case .complete:
            return "\(name): complete (\(TimeFormat.clock(v.playableMicros)), \(v.chunks) chunks, \(v.events) events, \(v.indicators) indicators)"
        case .truncated:
            return "\(name): truncated — plays to \(TimeFormat.clock(v.playableMicros)); last good byte \(v.lastGoodOffset ?? v.fileBytes) of \(v.fileBytes)"
        case .invalid:
            return "\(name): invalid — \(TerminalSafe.escape(v.problems.first?.message ?? "unreadable"))"
        case .corrupt:
            var lines = ["\(name): corrupt — \(v.problems.count) problem\(v.problems.count == 1 ? "" : "s"); plays to \(TimeFormat.clock(v.playableMicros))"]
            for p in v.problems.prefix(20) { lines.append("  " + problemText(p)) }
            if v.problems.count > 20 { lines.append("  … and \(v.problems.count - 20) more") }
            return lines.joined(separator: "\n")
        }
    }

    static func problemText(_ p: Verdict.Problem) -> String {
        var s = ""
        if let offset = p.offset { s += "byte \(offset)" }
        if let seq = p.sequence { s += (s.isEmpty ? "" : ", ") + "chunk \(seq)" }
        s += (s.isEmpty ? "" : ": ") + TerminalSafe.escape(p.message)
        if let to = p.skippedToOffset, let from = p.offset, to > from { s += " (skipped bytes \(from)-\(to))" }
        if let lost = p.lostMicros { s += " (lost \(TimeFormat.clock(lost.lowerBound))-\(TimeFormat.clock(lost.upperBound)))" }
        return s
    }

    static func json(_ v: Verdict, path: String, seal: SealReport? = nil) -> String {
        let problems = v.problems.map { p in
            var f = ["\"kind\":\(JSONText.string(p.kind))", "\"message\":\(JSONText.string(p.message))"]
            f.append("\"offset\":\(p.offset.map(String.init) ?? "null")")
            f.append("\"sequence\":\(p.sequence.map(String.init) ?? "null")")
            f.append("\"skipped_to_offset\":\(p.skippedToOffset.map(String.init) ?? "null")")
            if let lost = p.lostMicros { f.append("\"lost_from_us\":\(lost.lowerBound),\"lost_to_us\":\(lost.upperBound)") }
            return "{" + f.joined(separator: ",") + "}"
        }
        return "{\"file\":\(JSONText.string(path)),\"status\":\"\(v.status.rawValue)\",\"recording_id\":\(v.recordingID.map(JSONText.string) ?? "null"),\"file_bytes\":\(v.fileBytes),\"plays_to_us\":\(v.playableMicros),\"last_good_offset\":\(v.lastGoodOffset.map(String.init) ?? "null"),\"chunks\":\(v.chunks),\"events\":\(v.events),\"indicators\":\(v.indicators),\"problems\":[\(problems.joined(separator: ","))]\(seal.map { ",\"seal\":" + SealText.json($0) } ?? "")}"
    }
}

/// Expands file and directory arguments into .psrec files.
enum FileDiscovery {
    struct Found {
        var path: String
        var size: Int64
    }

    /// Files named directly are taken whatever their name; directories are searched
    /// recursively for `*.psrec`, in sorted order.
    static func psrecFiles(_ paths: [String]) throws -> [Found] {
        var found: [Found] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                found.append(Found(path: path, size: 0))  // reported as invalid (cannot open)
                continue
            }
            if !isDirectory.boolValue {
                found.append(Found(path: path, size: size(path)))
                continue
            }
            guard let walker = fm.enumerator(atPath: path) else {
                throw CommandFailure("Cannot list the directory \(TerminalSafe.escape(path)).")
            }
            var inDir: [String] = []
            while let relative = walker.nextObject() as? String {
                if relative.hasSuffix(".psrec") { inDir.append((path as NSString).appendingPathComponent(relative)) }
            }
            for file in inDir.sorted() { found.append(Found(path: file, size: size(file))) }
        }
        return found
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}
