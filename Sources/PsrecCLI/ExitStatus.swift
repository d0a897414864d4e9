public import ArgumentParser
import PsrecCatalog
import PsrecFormat

/// Exit statuses shared by every command (documented in the README and `psrec --help`).
public enum ExitStatus {
    /// Everything read was complete and valid.
    public static let ok: Int32 = 0
    /// A file has no trailer: the recording stopped early but is readable.
    public static let truncated: Int32 = 1
    /// A file is corrupt (the verdict's word); its corrupt parts were skipped.
    public static let corrupt: Int32 = 2
    /// Not a psrec file, unreadable, or an input that cannot be converted.
    public static let invalid: Int32 = 3
    /// The command line is wrong.
    public static let usage: Int32 = 64
    /// The catalog refused access: `--as USER` may not see or change the recording
    /// (EX_NOPERM from sysexits.h). The refusal is in the catalog's audit log.
    public static let refused: Int32 = 77

    /// The status for a reader's verdict.
    static func of(_ status: RecordingReader.Status) -> Int32 {
        switch status {
        case .complete: ok
        case .truncated: truncated
        case .corrupt: corrupt
        }
    }
}

/// An error a command reports as one sentence on stderr, with an exit status.
public struct CommandFailure: Error, CustomStringConvertible {
    public var message: String
    public var status: Int32
    public init(_ message: String, status: Int32 = ExitStatus.invalid) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning failures into a message on stderr and an exit status.
    func reporting(_ body: () throws -> Int32) throws {
        let status: Int32
        do {
            status = try body()
        } catch {
            // Every library error is typed; FailureTable gives its sentence and status.
            guard let failure = FailureTable.failure(for: error) else { throw error }
            Console.error(failure.message)
            throw ExitCode(failure.status)
        }
        if status != 0 { throw ExitCode(status) }
    }
}
