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

    /// `{"iterations", "medianMicroseconds", "p10Microseconds", "p90Microseconds"}`.
    public func json() throws -> String {
        let encoder = JSONOutput.encoder()
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// One line for people, saying plainly what was measured.
    public func summary() -> String {
        String(format: "host time per inference (TinyRuntime emulator on this machine, single thread, %d timed runs): median %.1f us, p10 %.1f us, p90 %.1f us",
               iterations, medianMicroseconds, p10Microseconds, p90Microseconds)
    }

    /// Times `iterations` invocations after `warmup` untimed ones, each with
    /// `ContinuousClock` (monotonic, unaffected by wall-clock changes).
    ///
    /// Every run starts from all-zero inputs, written before the clock starts:
    /// the arena reuses an input's bytes once it has been read, so without the
    /// reset later runs would see whatever the previous run left there.
    public static func measure(_ interpreter: Interpreter, iterations: Int, warmup: Int = 10) -> InferenceTiming {
        func resetInputs() {
            for i in interpreter.inputs.indices {
                _ = try? interpreter.withInputBuffer(at: i) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
            }
        }
        for _ in 0..<max(warmup, 0) {
            resetInputs()
            interpreter.invoke()
        }
        let clock = ContinuousClock()
        var samples = [Double]()
        samples.reserveCapacity(max(iterations, 1))
        for _ in 0..<max(iterations, 1) {
            resetInputs()
            let elapsed = clock.measure { interpreter.invoke() }
            samples.append(Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12)
        }
        return InferenceTiming(samples: samples)
    }
}
