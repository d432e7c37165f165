import Foundation
import TinyRuntime

/// Host-side timing of the emulator runtime (`tinybench model bench`): the
/// wall time of `Interpreter.invoke()` on this machine, single thread. It says
/// nothing about a microcontroller's latency.
public struct InferenceTiming: Sendable, Codable {
    public let medianMicroseconds: Double
    public let p10Microseconds: Double
    public let p90Microseconds: Double
    public let iterations: Int

    /// Percentiles of `samples` (microseconds) by the nearest-rank rule on the sorted samples.
    public init(samples: [Double]) {
        precondition(!samples.isEmpty, "no samples")
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> Double {
            sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
        }
        medianMicroseconds = percentile(0.5)
        p10Microseconds = percentile(0.1)
        p90Microseconds = percentile(0.9)
        iterations = sorted.count
    }

    /// Times `iterations` invocations after `warmup` untimed ones.
    public static func measure(_ interpreter: Interpreter, iterations: Int, warmup: Int = 10) -> InferenceTiming {
        for _ in 0..<warmup { interpreter.invoke() }
        let clock = ContinuousClock()
        var samples = [Double]()
        samples.reserveCapacity(iterations)
        for _ in 0..<max(iterations, 1) {
            let elapsed = clock.measure { interpreter.invoke() }
            samples.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        }
        return InferenceTiming(samples: samples)
    }
}
