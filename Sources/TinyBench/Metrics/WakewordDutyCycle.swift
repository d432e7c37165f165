/// The streaming wakeword DUT's duty cycle, from the interface board's record
/// of its processing pin (`print_dutycycle`: the rising and falling edges of
/// the first 100 frames, in ticks of 10 µs), computed as the MLCommons runner
/// computes it (`process_dutycycle` in streaming_ww_utils.py): times in
/// seconds (ticks × 10e-6), edges paired up to the shorter list, processing
/// time the mean on time, period the mean gap between rising edges, duty cycle
/// their ratio, throughput 1 / processing time. Means are numpy's (pairwise
/// summation), so the figures equal the runner's to the last bit.
public struct WakewordDutyCycle: Sendable, Equatable, Codable {
    public var dutyCycle: Double
    public var periodSeconds: Double
    public var processingSeconds: Double
    /// Inferences per second the DUT could sustain: 1 / processing time.
    public var throughput: Double { 1 / processingSeconds }
    /// What the runner would warn about: unequal edge counts, periods varying by more than 2 %.
    public var warnings: [String]

    /// Why the edges cannot give a duty cycle.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case tooFewFrames(Int)

        public var description: String {
            switch self {
            case .tooFewFrames(let n): "a duty cycle needs at least two frames with a start and a stop edge (got \(n))"
            }
        }
    }

    /// From the start (rising) and stop (falling) edges in 10 µs ticks.
    public init(startTicks: [Int], stopTicks: [Int]) throws(Failure) {
        var warnings = [String]()
        let frames = min(startTicks.count, stopTicks.count)
        if startTicks.count != stopTicks.count {
            warnings.append("Number of start times (\(startTicks.count)) and number of stop times (\(stopTicks.count)) should be equal")
        }
        guard frames >= 2 else { throw .tooFewFrames(frames) }
        let starts = startTicks.prefix(frames).map { Double($0) * 10e-6 }
        let stops = stopTicks.prefix(frames).map { Double($0) * 10e-6 }
        let onTimes = zip(stops, starts).map { $0 - $1 }
        let periods = zip(starts.dropFirst(), starts).map { $0 - $1 }
        let meanPeriod = Self.numpySum(periods[...]) / Double(periods.count)
        if let lo = periods.min(), let hi = periods.max(), (hi - lo) / meanPeriod > 0.02 {
            warnings.append(String(format: "Frame period variation exceeds 2%%. Min period = %.3f ms. Max period = %.3f ms", lo * 1e3, hi * 1e3))
        }
        processingSeconds = Self.numpySum(onTimes[...]) / Double(onTimes.count)
        periodSeconds = meanPeriod
        dutyCycle = processingSeconds / periodSeconds
        self.warnings = warnings
    }

    /// The results.txt lines the runner prints and the submission checker reads.
    public var resultLines: [String] {
        ["Average duty cycle: \(PythonFormat.general(dutyCycle, significant: 5))",
         "Average period: \(PythonFormat.general(periodSeconds, significant: 5)) s",
         "Estimated throughput: \(PythonFormat.general(throughput, significant: 5)) inf./sec."]
    }

    /// numpy's sum of a contiguous float64 array: eight running sums over
    /// blocks of at most 128 values, halves added pairwise above that.
    static func numpySum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count, s = a.startIndex
        if n < 8 {
            return a.reduce(-0.0, +)
        }
        if n <= 128 {
            var r = (0..<8).map { a[s + $0] }
            var i = 8
            while i < n - n % 8 {
                for j in 0..<8 { r[j] += a[s + i + j] }
                i += 8
            }
            var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                sum += a[s + i]
                i += 1
            }
            return sum
        }
        var half = n / 2
        half -= half % 8
        return numpySum(a[s..<(s + half)]) + numpySum(a[(s + half)...])
    }
}
