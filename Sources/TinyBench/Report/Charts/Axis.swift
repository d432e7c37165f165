import Foundation

/// A linear axis with round tick values (steps of 1, 2 or 5 × 10^k), so a
/// chart reads 0, 10, 20, 30, 40, 50 mW rather than 0, 11.31, 22.62 ...
public struct Axis: Sendable, Equatable {
    public let lower: Double
    public let upper: Double
    public let step: Double

    /// An axis covering `low...high` with about `ticks` intervals; the ends
    /// are rounded outwards to whole steps.
    public init(covering low: Double, _ high: Double, ticks: Int = 5) {
        var lo = low.isFinite ? low : 0, hi = high.isFinite ? high : 1
        if hi <= lo { hi = lo + (lo == 0 ? 1 : abs(lo) * 0.1) }
        let raw = (hi - lo) / Double(max(ticks, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        step = nice * magnitude
        lo = floor(lo / step + 1e-9) * step
        hi = ceil(hi / step - 1e-9) * step
        lower = lo
        upper = hi
    }

    /// The tick values from ``lower`` to ``upper``.
    public var ticks: [Double] {
        let n = Int(((upper - lower) / step).rounded())
        return (0...n).map { lower + Double($0) * step }
    }

    /// Where `value` falls, 0 at ``lower`` and 1 at ``upper``.
    public func fraction(_ value: Double) -> Double { (value - lower) / (upper - lower) }

    /// A tick's label with just the decimals the step needs (`0.05` → two).
    public func label(_ value: Double) -> String {
        let decimals = max(0, -Int(floor(log10(step) + 1e-9)))
        let text = String(format: "%.\(decimals)f", value)
        return text == "-0" || text.hasPrefix("-0.") && Double(text) == 0 ? String(text.dropFirst()) : text
    }
}
