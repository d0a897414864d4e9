public import Foundation

/// Finding and running the real programs the tests drive (recorders, sqlite3, script).
public enum Tools {
    /// The first executable named `tool` on the PATH.
    public static func path(of tool: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// util-linux `script`, when installed.
    public static let script: String? = path(of: "script")

    /// Runs a program to completion; returns its exit status and its output (stdout and stderr).
    ///
    /// The program starts from a thread with no signal blocked: a child inherits the signal
    /// mask of the thread that spawns it, test-runner threads block most signals, and ttyrec
    /// with SIGCHLD blocked never notices its shell has exited. Its input is a pipe that stays
    /// open until it exits: at end of input script(1) sends the terminal's EOF character, which
    /// a pty set up without a terminal echoes into the log as "^@".
    public static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        final class Outcome: @unchecked Sendable {
            var value: Result<(status: Int32, output: String), any Error> = .failure(CocoaError(.executableNotLoadable))
        }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            outcome.value = Result { try spawn(executable, arguments) }
            done.signal()
        }
        thread.start()
        done.wait()
        return try outcome.value.get()
    }

    private static func spawn(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe()
        process.standardInput = input
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Runs a shell command line inside a 100x30 pseudo-terminal made by `script`.
    public static func inTerminal(_ command: String) throws -> (status: Int32, output: String) {
        guard let script else { throw CocoaError(.executableNotLoadable) }
        return try run(script, ["-qec", "stty cols 100 rows 30; " + command, "/dev/null"])
    }
}
