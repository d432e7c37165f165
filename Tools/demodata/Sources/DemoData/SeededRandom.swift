import Foundation

/// A small deterministic random source (SplitMix64): the demo data must be the
/// same bytes on every run, so nothing here may use the system generator.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A stream identified by `seed` and any number of labels (benchmark, split,
    /// sample index), so each sample's stream is independent of the others'.
    public init(seed: UInt64, _ labels: UInt64...) {
        var s = seed ^ 0x9E37_79B9_7F4A_7C15
        for l in labels { s = Self.mix(s &+ l &* 0xBF58_476D_1CE4_E5B9) }
        state = s
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits (the same on every platform, unlike
    /// `Double.random(in:using:)`, whose algorithm is not specified).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * unit()
    }

    /// Uniform integer in `range` (modulo bias is below 2^-40 for small ranges).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(unit(), 0x1p-60), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
