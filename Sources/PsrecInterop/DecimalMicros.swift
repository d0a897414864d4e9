internal import PsrecFormat

/// Converts the decimal text of a JSON number of seconds to integer microseconds exactly,
/// without going through `Double`: `"1.234567"` is 1 234 567 µs and `"12345.678901"` is
/// 12 345 678 901 µs, whatever binary floating point would make of them.
///
/// Digits beyond the sixth decimal round half away from zero; exponents (`1e-6`, `2.5E3`)
/// are honoured.
enum DecimalMicros {
    /// Microseconds for the JSON number in `text` (seconds), or nil when the text is not a
    /// JSON number or its magnitude exceeds `Limits.maxMicros`.
    ///
    /// - Complexity: O(text.count), no allocation.
    static func parse(_ text: UnsafeRawBufferPointer) -> Int64? { parse(text, decimals: 6) }

    /// Nanoseconds for a decimal number of seconds (sudo's timing delays have nine
    /// decimals), exact like `parse`; nil beyond ±`Limits.maxMicros` nanoseconds.
    static func parseNanos(_ text: UnsafeRawBufferPointer) -> Int64? { parse(text, decimals: 9) }

    /// The number in `text` times 10^`decimals`, rounded half away from zero.
    private static func parse(_ text: UnsafeRawBufferPointer, decimals: Int) -> Int64? {
        var i = 0
        let n = text.count
        var negative = false
        if i < n && text[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let integerStart = i
        while i < n, isDigit(text[i]) { i += 1 }
        let integerEnd = i
        guard integerEnd > integerStart else { return nil }
        var fractionStart = i, fractionEnd = i
        if i < n && text[i] == UInt8(ascii: ".") {
            i += 1
            fractionStart = i
            while i < n, isDigit(text[i]) { i += 1 }
            fractionEnd = i
            guard fractionEnd > fractionStart else { return nil }
        }
        var exponent = 0
        if i < n && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < n && (text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-")) {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            while i < n, isDigit(text[i]) {
                // Saturate: any exponent this large already rounds to zero or overflows.
                exponent = min(exponent * 10 + Int(text[i] - 0x30), 100_000)
                i += 1
            }
            guard i > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard i == n else { return nil }

        // The digits, integer then fraction, form D; the value in µs is D × 10^scale.
        let digitCount = (integerEnd - integerStart) + (fractionEnd - fractionStart)
        let scale = exponent - (fractionEnd - fractionStart) + decimals
        // Digits before position `keep` are whole microseconds; the one at `keep` rounds.
        let keep = digitCount + scale
        var micros: Int64 = 0
        var roundUp = false
        var position = 0
        for j in integerStart..<fractionEnd where text[j] != UInt8(ascii: ".") {
            let digit = Int64(text[j] - 0x30)
            if position < keep {
                guard micros <= (Limits.maxMicros - digit) / 10 else { return nil }
                micros = micros * 10 + digit
            } else if position == keep {
                roundUp = digit >= 5
                break
            }
            position += 1
        }
        if keep > digitCount {
            for _ in 0..<(keep - digitCount) {
                guard micros <= Limits.maxMicros / 10 else { return micros == 0 ? 0 : nil }
                micros *= 10
                if micros == 0 { break }
            }
        }
        if roundUp {
            guard micros < Limits.maxMicros else { return nil }
            micros += 1
        }
        return negative ? -micros : micros
    }

    /// `parse` for a Swift string (headers, tests).
    static func parse(_ text: String) -> Int64? {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// A whole number from JSON number text (`80`, `80.0`, `8e1`), or nil when it is not one
    /// or is beyond ±`Limits.maxMicros / 1_000_000`.
    static func integer(_ text: String) -> Int64? {
        guard let micros = parse(text), micros % 1_000_000 == 0 else { return nil }
        return micros / 1_000_000
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
}
