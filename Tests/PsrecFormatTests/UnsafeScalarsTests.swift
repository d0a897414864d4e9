import Foundation
import PsrecTestSupport
import Testing
@testable import PsrecFormat

/// One list of scalars never shown raw (issue 11): JSON output escapes all of them, and the
/// independent reader escapes exactly the same.
@Suite struct UnsafeScalarsTests {
    static let samples: [Unicode.Scalar] = ["\u{1B}", "\u{7F}", "\u{85}", "\u{AD}", "\u{61C}", "\u{180E}", "\u{200B}", "\u{200D}",
                                            "\u{200E}", "\u{2028}", "\u{2029}", "\u{202E}", "\u{2060}", "\u{2066}", "\u{206F}",
                                            "\u{FEFF}", "\u{FFF9}", "\u{1D173}", "\u{E0001}", "\u{E0041}"]

    @Test func everyListedScalarIsEscapedInJSON() {
        for scalar in Self.samples {
            let json = JSONText.string("a" + String(scalar) + "b")
            #expect(!json.unicodeScalars.contains(scalar), "U+\(String(scalar.value, radix: 16)) is written raw: \(json)")
            #expect(json.hasPrefix("\"a\\u") && json.hasSuffix("b\""))
        }
        #expect(JSONText.string("\u{200B}") == "\"\\u200b\"")
        #expect(JSONText.string("\u{E0041}") == "\"\\udb40\\udc41\"")
        #expect(JSONText.string("é ✓ 日本 /") == "\"é ✓ 日本 /\"")
    }

    @Test func theListIsSortedAndKeepsPrintableTextRaw() {
        for (a, b) in zip(UnsafeScalars.ranges, UnsafeScalars.ranges.dropFirst()) { #expect(a.upperBound < b.lowerBound) }
        for v: UInt32 in [0x20, 0x41, 0x7E, 0xA0, 0xE9, 0x2013, 0x2070, 0xFFFD, 0x1F600] {
            #expect(!UnsafeScalars.contains(Unicode.Scalar(v)!))
        }
    }

    @Test func theIndependentReaderEscapesTheSameScalars() throws {
        let label = Self.samples.map { "x" + String($0) }.joined()
        var f = try RawFile()
        let e = f.events([TimedEvent(timeMicros: 0, event: .marker(label)),
                          TimedEvent(timeMicros: 0, event: .output(Array(label.utf8)))])
        f.trailer(f.finalIndex([e], indicators: [Indicator(timeMicros: 0, kind: .marker, chunkOffset: e.offset, detail: label)], duration: 0), duration: 0)
        let url = Sample.tempDir().appendingPathComponent("unsafe.psrec")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try Data(f.bytes).write(to: url)
        let ours = try RecordingReader(path: url.path).events().map { $0.jsonLine() }
        let out = try #require(try IndependentReaderTests.runReader(on: url))
        let theirs = out.stdout.components(separatedBy: "---\n").last?.split(separator: "\n").map(String.init)
        #expect(theirs == ours)
    }
}
