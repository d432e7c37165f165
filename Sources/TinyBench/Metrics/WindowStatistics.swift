import Foundation

/// Summary of per-window figures (throughput, energy): median as numpy's
/// (mean of the two middle values for an even count), min, max, mean and the
/// coefficient of variation (population standard deviation / mean).
public struct WindowStatistics: Sendable, Equatable, Codable {
    public let median: Double
    public let min: Double
    public let max: Double
    public let mean: Double
    public let coefficientOfVariation: Double

    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let m = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2
        min = sorted.first!
        max = sorted.last!
        let average = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(values.count)
        mean = average
        coefficientOfVariation = average == 0 ? 0 : variance.squareRoot() / average
    }
}

/// Elapsed DUT time between two `m-lap-us` readings of the DUT's free-running
/// 32-bit microsecond counter, which wraps every 71.6 minutes.
public enum LapTimer {
    public static func elapsedMicroseconds(from start: UInt32, to end: UInt32) -> UInt64 {
        UInt64(end &- start)
    }

    /// Inferences per second for `inferences` timed runs between two laps; nil for a zero interval.
    public static func throughput(inferences: Int, from start: UInt32, to end: UInt32) -> Double? {
        let us = elapsedMicroseconds(from: start, to: end)
        return us == 0 ? nil : Double(inferences) / (Double(us) / 1e6)
    }
}
