public import Foundation

/// A repeatable random number generator for tests (SplitMix64).
///
/// A test that draws random input states its seed in every failure message, and takes the
/// seed from `PSREC_TEST_SEED` when set, so a failure seen once can be run again exactly:
/// `PSREC_TEST_SEED=1234 swift test --filter NAME`.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    /// The seed this generator started from.
    public let seed: UInt64
    private var state: UInt64

    /// A generator from `PSREC_TEST_SEED` if set, otherwise from a fresh random seed; `salt`
    /// makes parameterised cases draw different numbers from one seed.
    public init(salt: UInt64 = 0) {
        let given = ProcessInfo.processInfo.environment["PSREC_TEST_SEED"].flatMap { UInt64($0) }
        self.init(seed: (given ?? UInt64.random(in: .min ... .max)) &+ salt)
    }

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// How a failure message names the seed: "seed N (PSREC_TEST_SEED=M repeats it)".
    public func note(salt: UInt64 = 0) -> String { "seed \(seed) (PSREC_TEST_SEED=\(seed &- salt) repeats it)" }
}
