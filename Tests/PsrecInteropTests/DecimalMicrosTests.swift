@testable import PsrecInterop
import Testing

@Suite("DecimalMicros")
struct DecimalMicrosTests {
    @Test("Decimal text converts to microseconds exactly", arguments: [
        ("0", Int64(0)), ("0.000001", 1), ("1.234567", 1_234_567), ("12345.678901", 12_345_678_901),
        ("0.1", 100_000), ("3", 3_000_000), ("-0.5", -500_000), ("86399.999999", 86_399_999_999),
        ("1e-6", 1), ("2.5E3", 2_500_000_000), ("1.5e+1", 15_000_000), ("0.0000004", 0), ("0.0000005", 1),
        ("1.2345675", 1_234_568), ("1.23456749999", 1_234_567), ("123456789.123456", 123_456_789_123_456),
        ("0.1000000000000000055511151231257827", 100_000), ("1E0", 1_000_000), ("-0", 0),
    ])
    func exact(text: String, micros: Int64) {
        #expect(DecimalMicros.parse(text) == micros)
    }

    @Test("Where Double would round, the text decides")
    func beatsDouble() {
        // 0.000001 * 1e6 and similar stay exact; a long session's time keeps every digit.
        #expect(DecimalMicros.parse("9007199254.740993") == 9_007_199_254_740_993)
        #expect(DecimalMicros.parse("4.35") == 4_350_000)
    }

    @Test("Text that is not a JSON number, or out of range, gives nil", arguments: [
        "", "-", ".5", "1.", "1e", "1e+", "abc", "1.2.3", "0x10", " 1", "1 ", "NaN", "Infinity",
        "1e100000000", "99999999999999999999", "9223372036854.775807",
    ])
    func rejects(text: String) {
        #expect(DecimalMicros.parse(text) == nil)
    }

    @Test("Tiny values with huge negative exponents round to zero")
    func tiny() {
        #expect(DecimalMicros.parse("5e-100000000") == 0)
        #expect(DecimalMicros.parse("0e999") == 0)
    }

    @Test("Whole numbers", arguments: [("80", Int64(80)), ("80.0", 80), ("8e1", 80), ("-1", -1)])
    func integers(text: String, value: Int64) {
        #expect(DecimalMicros.integer(text) == value)
    }

    @Test("Fractions are not whole numbers")
    func notIntegers() {
        #expect(DecimalMicros.integer("80.5") == nil)
        #expect(DecimalMicros.integer("x") == nil)
    }
}
