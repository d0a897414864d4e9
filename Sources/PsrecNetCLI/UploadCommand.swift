import ArgumentParser
import Foundation
import Logging
import PsrecCLI
import PsrecNetwork
import PsrecStream

/// `psrec upload --server URL (--token-file F | --client-cert F --client-key F) [--ca F]
/// [--keep-local] DIR|FILE...`.
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Send spooled recordings to a server: what it lacks of each, resuming where it stopped.",
        discussion: """
        For a recorder that was killed, or a capture host that rebooted, mid-session: each \
        file (each *.psrec regular file of a folder) is sent from where the server's copy \
        ends, so nothing is sent twice and nothing is spliced. A file with its trailer \
        completes the server's copy and is then removed locally unless --keep-local; a file \
        that ends without one (its recorder was killed) is sent up to its last whole chunk, \
        the server marks the recording interrupted, and the file is kept. A file still being \
        written by a recorder (locked) is left to that recorder.

        Exit status: 0 when every file was sent in full; 1 when a file was sent but ends \
        without a trailer; 3 when a file could not be sent (refused, unreachable, unreadable); \
        64 usage error.
        """)

    @OptionGroup var connection: ServerOptions

    @Flag(name: .customLong("keep-local"), help: "Keep files the server holds in full.")
    var keepLocal = false

    /// What `record --server` passes when it sends what earlier recorders left beside its
    /// file: only files last modified before that file was (created), never it, nor a file
    /// another recorder finished meanwhile, which its own recorder streams.
    @Option(name: .customLong("older-than"), help: .hidden)
    var olderThan: String?

    @Argument(help: ArgumentHelp("Recordings, or folders of them.", valueName: "dir-or-file"))
    var paths: [String]

    /// A file's last modification time, or nil when it cannot be read.
    static func modified(_ path: String) -> timespec? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mtim
    }

    func run() throws {
        let target = try connection.target()
        var files: [String] = []
        let reference = olderThan.map { (path: ($0 as NSString).standardizingPath, time: Self.modified($0)) }
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                Console.error("\(TerminalSafe.escape(path)) does not exist.")
                throw ExitCode(ExitStatus.invalid)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files += names.filter { $0.hasSuffix(".psrec") }.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        if let reference {
            // Without the reference's time nothing is known to be older: nothing is sent.
            files = files.filter { file in
                guard let limit = reference.time, (file as NSString).standardizingPath != reference.path,
                      let time = Self.modified(file) else { return false }
                return time.tv_sec < limit.tv_sec || (time.tv_sec == limit.tv_sec && time.tv_nsec < limit.tv_nsec)
            }
        }
        var worst = ExitStatus.ok
        let logger = Logger(label: "psrec.upload", factory: { _ in SwiftLogNoOpLogHandler() })
        for file in files {
            let shown = TerminalSafe.escape(file)
            guard let lock = SpoolLock.tryShared(file) else {
                Console.error("\(shown): a recorder is still writing it; skipped.")
                continue
            }
            defer { lock.release() }
            let uploader = StreamUploader(target: target, path: file, logger: logger)
            do {
                let result = try waitFor { try await uploader.run() }
                if result.position.complete {
                    if keepLocal {
                        Console.writeAll(1, Array("\(shown): the server holds it in full (\(result.position.committedBytes) bytes, \(result.segmentsSent) sent now).\n".utf8))
                    } else {
                        unlink(file)
                        Console.writeAll(1, Array("\(shown): the server holds it in full (\(result.position.committedBytes) bytes, \(result.segmentsSent) sent now); removed here.\n".utf8))
                    }
                } else {
                    Console.writeAll(1, Array("\(shown): sent up to byte \(result.position.committedBytes); it ends without a trailer, so the server marks it interrupted. Kept here.\n".utf8))
                    worst = max(worst, ExitStatus.truncated)
                }
            } catch let error as UploadError {
                Console.error("\(shown): \(FailureTable.clause(TerminalSafe.escape(error.message))).")
                worst = ExitStatus.invalid
            }
        }
        if worst != ExitStatus.ok { throw ExitCode(worst) }
    }
}

