import PsrecFormat
import PsrecInterop
import PsrecTestSupport
import Testing

/// Bad input must end in a `ConversionError` naming the input, or in a report whose
/// recording reads back complete with exactly the events the report counts; never a trap,
/// never a file that says more or less than the report.
@Suite("Garbage input")
struct GarbageInputTests {
    /// Runs a conversion with each format forced and with detection, strict and lenient, and
    /// checks each outcome; returns how many conversions succeeded.
    @discardableResult
    private func survive(_ bytes: [UInt8], _ note: @autoclosure () -> String = "") -> Int {
        var succeeded = 0
        for format in [nil] + InputFormat.allCases.map(Optional.some) {
            for lenient in [false, true] {
                let sink = MemorySink()
                do {
                    let report = try Converter.convert(input: bytes, name: "garbage", sink: sink,
                                                       options: ConversionOptions(lenient: lenient, format: format))
                    succeeded += 1
                    let reader = try? RecordingReader(source: MemorySource(sink.bytes))
                    #expect(reader?.status == .complete, "a successful conversion wrote an incomplete file; \(note())")
                    if let reader {
                        #expect(Array(reader.events()).count == report.events, "the report counts other events than the file holds; \(note())")
                        #expect(report.durationMicros >= 0 && report.durationMicros <= Limits.maxMicros)
                    }
                } catch {
                    #expect(!error.description.isEmpty && error.description.contains("garbage"),
                            "the error does not name the input: \(error.description); \(note())")
                }
            }
        }
        return succeeded
    }

    @Test("Random bytes end in an error or a complete recording")
    func randomBytes() {
        var generator = SeededGenerator()
        for length in [0, 1, 11, 12, 13, 100, 4096] {
            for _ in 0..<20 {
                survive((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }, generator.note())
            }
        }
        // Empty input is no format that detection can name.
        #expect(throws: ConversionError.self) {
            try Converter.convert(input: [], name: "empty", sink: MemorySink(), options: ConversionOptions())
        }
    }

    @Test("Mutated valid files never crash")
    func mutations() {
        let seeds = [
            Array(AsciicastLinesImporterTests.v2.utf8), Array(AsciicastLinesImporterTests.v3.utf8),
            Array(AsciicastV1ImporterTests.v1.utf8), TtyrecImporterTests.frames.flatMap { $0 },
        ]
        var generator = SeededGenerator()
        let interesting: [UInt8] = [0x00, 0x0A, 0x22, 0x5C, 0x5B, 0x5D, 0x7B, 0x7D, 0x2C, 0x2D, 0x65, 0x75, 0xFF, 0xC3, 0xED]
        for seed in seeds {
            #expect(survive(seed) > 0, "the unmutated seed must convert")
            for cut in stride(from: 0, through: seed.count, by: max(1, seed.count / 40)) { survive(Array(seed.prefix(cut))) }
            for _ in 0..<150 {
                var bytes = seed
                for _ in 0..<Int.random(in: 1...4, using: &generator) where !bytes.isEmpty {
                    let at = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[at] = Bool.random(using: &generator)
                        ? interesting.randomElement(using: &generator) ?? 0
                        : UInt8.random(in: 0...255, using: &generator)
                }
                survive(bytes, generator.note())
            }
        }
    }

    static let hostileInputs: [String: String] = [
        "negative and infinite size": "{\"version\": 2, \"width\": -5, \"height\": 1e999}\n[1, \"o\", \"x\"]\n",
        "huge resize": "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"r\", \"99999999x1\"]\n",
        "huge exit status": "{\"version\": 3, \"term\": {\"cols\": 80, \"rows\": 24}}\n[1, \"x\", \"99999999999999999999999\"]\n",
        "intervals past the time limit": "{\"version\": 3, \"term\": 5}\n" + String(repeating: "[1e12, \"o\", \"x\"]\n", count: 4),
        "deep event nesting": "{\"version\": 2}\n" + String(repeating: "[", count: 50_000) + "\n",
        "deep v1 nesting": "{\"version\": 1, \"stdout\": " + String(repeating: "[", count: 50_000),
        "surrogate soup": "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"o\", \"\\ud800\\udbff\\udfff\\u\"]\n",
        "huge marker": "{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"m\", \"" + String(repeating: "m", count: 100_000) + "\"]\n",
    ]

    @Test("Hostile shapes never crash", arguments: hostileInputs.keys.sorted())
    func hostile(name: String) {
        survive(Array((Self.hostileInputs[name] ?? "").utf8))
    }

    @Test("Huge marker labels are cut so the index stays small")
    func hugeMarker() throws {
        let c = try convertInMemory("{\"version\": 2, \"width\": 80, \"height\": 24}\n[1, \"m\", \"" + String(repeating: "m", count: 100_000) + "\"]\n")
        // The event keeps the importer's 4096-byte cut; the index keeps at most 1024 bytes of it.
        #expect(c.reader.indicators.first?.detail.utf8.count == Limits.maxIndicatorDetailBytes)
        let labels = c.reader.events().compactMap { if case .marker(let label) = $0.event { label } else { nil } }
        #expect(labels.map(\.utf8.count) == [4096])
        #expect(c.report.warnings.contains { $0.contains("marker label was longer") })
    }
}
