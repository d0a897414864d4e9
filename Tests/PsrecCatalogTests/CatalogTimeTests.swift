import PsrecCatalog
import Testing

@Suite("CatalogTime")
struct CatalogTimeTests {
    static let now: Int64 = 1_764_000_000_000_000   // 2025-11-24T16:00:00Z

    @Test("dates and times, UTC unless an offset is given", arguments: [
        ("2025-11-24", Int64(1_763_942_400_000_000)),
        ("2025-11-24T16:00", 1_764_000_000_000_000),
        ("2025-11-24 16:00:00Z", 1_764_000_000_000_000),
        ("2025-11-24T17:00:00+01:00", 1_764_000_000_000_000),
        ("2025-11-24T16:00:00.25", 1_764_000_000_250_000),
        ("1970-01-01", 0),
        ("2024-02-29", 1_709_164_800_000_000),
    ])
    func absolute(text: String, micros: Int64) {
        #expect(CatalogTime.parse(text, nowMicros: Self.now) == micros)
    }

    @Test("relative ages")
    func relative() {
        #expect(CatalogTime.parse("7d", nowMicros: Self.now) == Self.now - 7 * 86_400_000_000)
        #expect(CatalogTime.parse("12h", nowMicros: Self.now) == Self.now - 12 * 3_600_000_000)
        #expect(CatalogTime.parse("30m", nowMicros: Self.now) == Self.now - 30 * 60_000_000)
        #expect(CatalogTime.parse("2w", nowMicros: Self.now) == Self.now - 14 * 86_400_000_000)
        #expect(CatalogTime.parse("today", nowMicros: Self.now) == 1_763_942_400_000_000)
        #expect(CatalogTime.parsePeriod("90d") == 7_776_000_000_000)
    }

    @Test("a bare number is no period and no age: elsewhere it means seconds, so it is refused, not read as days")
    func bareNumberIsRefused() {
        #expect(CatalogTime.parsePeriod("90") == nil)
        #expect(CatalogTime.parse("90", nowMicros: Self.now) == nil)
        #expect(CatalogDate("90") == nil)
    }

    @Test("a date is parsed once and resolved against the clock when used")
    func parsedOnce() throws {
        let week = try #require(CatalogDate("7d"))
        #expect(week == .ago(micros: 7 * 86_400_000_000))
        #expect(week.micros(nowMicros: Self.now) == Self.now - 7 * 86_400_000_000)
        #expect(week.micros(nowMicros: Self.now + 1) == Self.now + 1 - 7 * 86_400_000_000)
        let day = try #require(CatalogDate("2025-11-24"))
        #expect(day.micros(nowMicros: 0) == 1_763_942_400_000_000)
        #expect(day.micros(nowMicros: 0, endOfDay: true) == 1_764_028_800_000_000)
        #expect(CatalogDate("2025-11-24T16:30Z")?.micros(nowMicros: 0, endOfDay: true) == 1_764_001_800_000_000)
    }

    @Test("a date alone as an upper bound includes the day")
    func endOfDay() {
        #expect(CatalogTime.parse("2025-11-24", nowMicros: Self.now, endOfDay: true) == 1_764_028_800_000_000)
    }

    @Test("malformed dates are rejected", arguments: ["2025-13-01", "2025-02-30", "2025-11-24T25:00", "yesterdayish", "7 days", "", "2025-11-24T16:00:00+1", "-5d", "2025/11/24"])
    func malformed(text: String) {
        #expect(CatalogTime.parse(text, nowMicros: Self.now) == nil)
    }

    @Test("ISO output")
    func iso() {
        #expect(CatalogTime.iso(1_764_000_000_250_000) == "2025-11-24T16:00:00Z")
        #expect(CatalogTime.iso(1_764_000_000_250_000, micros: true) == "2025-11-24T16:00:00.250000Z")
        #expect(CatalogTime.iso(-1) == "1969-12-31T23:59:59Z")
        #expect(CatalogTime.duration(3_723_000_000) == "1:02:03")
        #expect(CatalogTime.period(90 * 86_400_000_000) == "90 days")
        #expect(CatalogTime.period(3_600_000_000) == "1 hour")
        #expect(CatalogTime.period(90_000_000) == "1:30")
    }
}
