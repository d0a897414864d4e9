@testable import PsrecInterop
import Testing

@Suite("JSONScanner")
struct JSONScannerTests {
    private func string(_ json: String) -> [UInt8]? {
        Array(json.utf8).withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            var out: [UInt8] = []
            return scanner.scanString(into: &out) && scanner.isAtEnd ? out : nil
        }
    }

    private func value(_ json: String) -> JSONValue? {
        Array(json.utf8).withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            guard let v = scanner.scanValue(), scanner.isAtEnd else { return nil }
            return v
        }
    }

    @Test("Escapes decode to their UTF-8")
    func escapes() {
        #expect(string(#""a\"b\\c\/d\b\f\n\r\t""#) == Array("a\"b\\c/d\u{8}\u{c}\n\r\t".utf8))
        #expect(string(#""\u001b[31m\u00e9""#) == Array("\u{1b}[31mé".utf8))
        #expect(string(#""\ud83d\ude00""#) == Array("😀".utf8))
        #expect(string(#""\u0000""#) == [0])
    }

    @Test("Raw UTF-8 passes through unchanged")
    func rawUTF8() {
        #expect(string("\"héllo ✓ 😀\"") == Array("héllo ✓ 😀".utf8))
    }

    @Test("Lone surrogates become U+FFFD", arguments: [
        (#""\ud83d""#, "\u{FFFD}"), (#""a\ud83db""#, "a\u{FFFD}b"), (#""\ude00x""#, "\u{FFFD}x"),
        (#""\ud83d\u0041""#, "\u{FFFD}A"), (#""\ud83d\ud83d\ude00""#, "\u{FFFD}😀"), (#""\ud83d\n""#, "\u{FFFD}\n"),
    ])
    func loneSurrogates(json: String, expected: String) {
        #expect(string(json) == Array(expected.utf8))
    }

    @Test("Invalid UTF-8 inside a string is repaired to U+FFFD")
    func invalidUTF8() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x62, 0xC3, 0x22]
        let out = bytes.withUnsafeBytes { raw -> [UInt8]? in
            var scanner = JSONScanner(raw)
            var out: [UInt8] = []
            return scanner.scanString(into: &out) ? out : nil
        }
        #expect(out == Array("a\u{FFFD}b\u{FFFD}".utf8))
    }

    @Test("Broken strings fail without trapping", arguments: [
        #""abc"#, #""\x""#, #""\u12""#, #""\u12g4""#, #""\"#, "abc", #""\ud83d\u12""#,
    ])
    func brokenStrings(json: String) {
        #expect(string(json) == nil)
    }

    @Test("Values keep number text and nest")
    func values() {
        #expect(value(#"{"a": [1.50, true, null, "x"], "b": {"c": -2e3}}"#)
            == .object(["a": .array([.number("1.50"), .bool(true), .null, .string("x")]), "b": .object(["c": .number("-2e3")])]))
        #expect(value("[]") == .array([]))
        #expect(value("{}") == .object([:]))
    }

    @Test("Malformed values fail", arguments: ["{", "[1,]", "{\"a\" 1}", "tru", "[1 2]", "{1: 2}", "-", "1.", "[\"a\"", ""])
    func malformed(json: String) {
        #expect(value(json) == nil)
    }

    @Test("Deep nesting stops at the depth limit instead of overflowing the stack")
    func deepNesting() {
        #expect(value(String(repeating: "[", count: 100_000)) == nil)
        #expect(value(String(repeating: "[", count: 10) + String(repeating: "]", count: 10)) != nil)
        let deep = Array(String(repeating: "{\"a\":", count: 50_000).utf8)
        deep.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            var scratch: [UInt8] = []
            let skipped = scanner.skipValue(scratch: &scratch)
            #expect(!skipped)
        }
    }
}
