import Foundation
import PsrecFormat
import PsrecFuzzExercises
import Testing

/// Replays every case the fuzzers saved under `fuzz/crashes/NAME/`, through the same code the
/// harness NAME ran, plus every golden vector through every harness, so that this suite always
/// checks something (`fuzz/README.md`).
///
/// A case that still crashes brings the test process down, as it brought the fuzzer down.
/// The harness code itself is the `PsrecFuzzExercises` library, shared with `fuzz/`.
@Suite struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One input and the harness it goes through.
    struct Input: Sendable, CustomStringConvertible {
        let harness: String
        let path: String
        let bytes: [UInt8]
        /// The status `Spec/vectors/NAME.info.json` expects, for vectors.
        let expectedStatus: String?
        var description: String { "\(harness): \(path)" }
    }

    /// Saved crash cases of the harnesses this module covers.
    static let savedCases: [Input] = {
        let crashes = root.appendingPathComponent("fuzz/crashes")
        let manager = FileManager.default
        var inputs: [Input] = []
        for harness in ((try? manager.contentsOfDirectory(atPath: crashes.path)) ?? []).sorted()
        where FuzzExercise.harnesses[harness] != nil {
            let folder = crashes.appendingPathComponent(harness)
            for name in ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where !name.hasPrefix(".") {
                guard let data = manager.contents(atPath: folder.appendingPathComponent(name).path) else { continue }
                inputs.append(Input(harness: harness, path: "fuzz/crashes/\(harness)/\(name)", bytes: [UInt8](data), expectedStatus: nil))
            }
        }
        return inputs
    }()

    /// Every golden vector, for each harness that takes whole files.
    static let vectors: [Input] = {
        let folder = root.appendingPathComponent("Spec/vectors")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
            .filter { $0.hasSuffix(".psrec") }.sorted()
        return names.flatMap { name -> [Input] in
            let base = String(name.dropLast(".psrec".count))
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return [] }
            let info = FileManager.default.contents(atPath: folder.appendingPathComponent(base + ".info.json").path)
                .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let status = info?["status"] as? String
            return ["file", "trailer", "chunk"].map {
                Input(harness: $0, path: "Spec/vectors/\(name)", bytes: [UInt8](data), expectedStatus: status)
            }
        }
    }()

    @Test func vectorsAreFound() {
        #expect(Self.vectors.count >= 3 * 8, "the golden vectors under Spec/vectors were not found")
    }

    @Test(arguments: savedCases + vectors)
    func replay(_ input: Input) throws {
        let harness = try #require(FuzzExercise.harnesses[input.harness])
        harness(input.bytes)
        // Whatever the bytes, opening either works, with one of the three statuses, or
        // throws a FormatError that explains itself.
        for scan in [false, true] {
            do {
                let reader = try RecordingReader(source: MemorySource(input.bytes), scan: scan)
                #expect([.complete, .truncated, .corrupt].contains(reader.status))
                if let expected = input.expectedStatus {
                    #expect(reader.status.rawValue == expected, "scan: \(scan)")
                }
            } catch {
                #expect(!error.message.isEmpty)
                #expect(input.expectedStatus == nil, "a vector does not open: \(error)")
            }
        }
    }
}
