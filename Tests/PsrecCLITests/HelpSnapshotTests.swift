import ArgumentParser
import Foundation
@testable import PsrecCLI
import PsrecTestSupport
import Testing

/// Every command's `--help`, as the built `psrec` prints it, against the text committed in
/// `Tests/PsrecCLITests/HelpSnapshots/`. A change of a flag, a default or a help line shows
/// in review as a change of that text. After a deliberate change:
/// `PSREC_UPDATE_SNAPSHOTS=1 swift test --filter HelpSnapshotTests`, then read the diff.
@Suite("--help snapshots")
struct HelpSnapshotTests {
    static let folder = CLI.packageRoot.appendingPathComponent("Tests/PsrecCLITests/HelpSnapshots")

    /// Every command path: the root, each subcommand and theirs.
    static let commands: [[String]] = {
        func walk(_ command: any ParsableCommand.Type, _ path: [String]) -> [[String]] {
            [path] + command.configuration.subcommands.flatMap { sub in
                walk(sub, path + [sub.configuration.commandName ?? String(describing: sub).lowercased()])
            }
        }
        return walk(Psrec.self, [])
    }()

    @Test("every command's --help is as committed", arguments: commands)
    func help(path: [String]) throws {
        let name = (["psrec"] + path).joined(separator: "-") + ".txt"
        let result = try MeasuredRun.run(path + ["--help"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        let file = Self.folder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["PSREC_UPDATE_SNAPSHOTS"] == "1" {
            try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
            try result.stdout.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let committed = try String(contentsOf: file, encoding: .utf8)
        #expect(result.stdout == committed, "psrec \(path.joined(separator: " ")) --help differs from \(name)")
    }

    @Test("there is a snapshot for every command and none for a command that is gone")
    func noStrays() throws {
        let expected = Set(Self.commands.map { (["psrec"] + $0).joined(separator: "-") + ".txt" })
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: Self.folder.path))
        #expect(present == expected)
    }
}
