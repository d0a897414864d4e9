public import Foundation

/// Runs the built `psrec` executable as a user would.
public enum CLI {
    public struct Result {
        public var status: Int32
        public var stdout: [UInt8]
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The psrec binary beside the test bundle: the one this `swift test` built, in the
    /// same build folder. Never another one (an older `.build/debug/psrec` would test code
    /// that is not the code under test), so its absence stops the tests with a reason.
    public static let binary: URL = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("psrec")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("No psrec binary beside the test bundle \(CommandLine.arguments[0]); run the tests with swift test, which builds it in the same folder.")
    }()

    @discardableResult
    public static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = stdin.map { _ in Pipe() }
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        if let input, let stdin {
            let writer = input.fileHandleForWriting
            DispatchQueue.global().async {
                writer.write(Data(stdin))
                try? writer.close()
            }
        }
        // Read both pipes concurrently so a full pipe never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: [UInt8](outData), stderr: String(decoding: errData, as: UTF8.self))
    }

    public static func vector(_ name: String) -> String {
        packageRoot.appendingPathComponent("Spec/vectors/\(name)").path
    }

    public static func tempDir() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("psrec-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
