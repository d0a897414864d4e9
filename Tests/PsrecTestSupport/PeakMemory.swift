public import Foundation

/// What one run of the built `psrec` cost: its exit status, its own peak resident memory,
/// its wall time, and what it printed. The one way the tests measure a command.
public struct MeasuredRun: Sendable {
    public var status: Int32
    /// Peak resident set size of `psrec` alone, in bytes (`ru_maxrss` of its parent's children).
    public var peakResidentBytes: Int
    public var seconds: Double
    public var stdout: String
    public var stderr: String

    /// Runs `psrec arguments`, with `environment` added to this process's and an optional
    /// umask for the child only (a umask is per process: setting it here would change the
    /// files every other test creates); killed (status 137) after `timeoutSeconds`.
    ///
    /// It runs under a small python3 process, which spawns it and reads its `ru_maxrss`:
    /// a child spawned by this large test process directly would inherit the test process's
    /// memory high-water mark through vfork and exec, so its `ru_maxrss` would say more about
    /// the tests than about `psrec`.
    public static func run(_ arguments: [String], environment: [String: String] = [:], umask childMask: mode_t? = nil,
                           timeoutSeconds: Double = 300) throws -> MeasuredRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outPath = directory.appendingPathComponent("out").path, errPath = directory.appendingPathComponent("err").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, childMask.map { String($0, radix: 8) } ?? "-", String(timeoutSeconds),
                             outPath, errPath, CLI.binary.path] + arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let report = Pipe()
        process.standardOutput = report
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = report.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard fields.count == 3, let status = Int32(fields[0]), let kilobytes = Int(fields[1]), let seconds = Double(fields[2]) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "python3 could not run and measure psrec: \(fields)"])
        }
        return MeasuredRun(status: status, peakResidentBytes: kilobytes * 1024, seconds: seconds,
                           stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    // argv: umask (octal or -), timeout, stdout file, stderr file, command...
    static let script = """
        import os, resource, signal, subprocess, sys, time
        mask, timeout, out, err, command = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]
        if mask != "-":
            os.umask(int(mask, 8))
        start = time.monotonic()
        with open(out, "wb") as o, open(err, "wb") as e:
            child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=o, stderr=e)
            try:
                status = child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                status = -signal.SIGKILL
                child.wait()
        status = 128 - status if status < 0 else status
        print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.monotonic() - start)
        """
}
