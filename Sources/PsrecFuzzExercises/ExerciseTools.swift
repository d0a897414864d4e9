import PsrecFormat
import PsrecInterop

/// The harnesses for the tools built on the format: the validator and the converters.
/// Their saved cases are replayed by `fuzz/run --replay` and by FuzzRegressionTests.
extension FuzzExercise {
    /// `psrec verify` on the input, then on the input with every checksum fixed: a verdict,
    /// never a trap, and a verdict that agrees with its own problem list.
    public static func verify(_ input: [UInt8]) {
        check(Validator.verify(MemorySource(input)))
        guard input.count >= FileHeader.size, input.starts(with: FileHeader.signature) else { return }
        var fixed = input
        FuzzFixup.all(&fixed, salt: le64(input, 16))
        if fixed != input { check(Validator.verify(MemorySource(fixed))) }
    }

    static func check(_ verdict: Verdict) {
        switch verdict.status {
        case .complete, .truncated:
            precondition(verdict.problems.isEmpty, "a \(verdict.status) verdict lists problems")
        case .corrupt, .invalid:
            precondition(!verdict.problems.isEmpty, "a \(verdict.status) verdict lists no problem")
        }
    }

    /// Every converter, strict and lenient, on the input: an error or a recording that reads
    /// back as complete.
    public static func convert(_ input: [UInt8]) {
        let formats: [InputFormat?] = [nil] + InputFormat.allCases
        for format in formats {
            for lenient in [false, true] {
                var options = ConversionOptions(lenient: lenient)
                options.format = format
                options.startUnixMicros = 0
                options.writer.salt = 0x5EED
                let sink = MemorySink()
                guard (try? Converter.convert(input: input, name: "fuzz", sink: sink, options: options)) != nil else { continue }
                guard let reader = try? RecordingReader(source: MemorySource(sink.bytes)) else {
                    preconditionFailure("a conversion wrote a file the reader cannot open")
                }
                precondition(reader.status == .complete, "a conversion wrote a \(reader.status) file")
            }
        }
    }
}
