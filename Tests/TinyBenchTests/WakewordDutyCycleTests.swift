import Testing
import TinyBench

/// sww01's duty cycle against the MLCommons runner's `process_dutycycle`: the
/// expected figures and lines were produced by running the runner's own
/// function (streaming_ww_utils.py at mlcommons/tiny 1afd2c9, numpy 2.4.6) on
/// the same edges, printed as its `summarize_sww_result` prints them.
struct WakewordDutyCycleTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let starts: [Int], stops: [Int]
        let duty: Double, period: Double, processing: Double
        let lines: [String]
        let warns: Bool
        var testDescription: String { name }
    }

    static let jitteredStarts = (0..<100).map { 1000 + 3200 * $0 + ($0 * 37) % 7 - 3 }
    static let irregularStarts = (0..<100).reduce(into: [Int]()) { s, i in s.append(i == 0 ? 0 : s[i - 1] + ((i - 1) % 10 != 0 ? 3200 : 3400)) }

    static let cases: [Case] = [
        Case(name: "100 frames, 32 ms period, jittered", starts: jitteredStarts,
             stops: jitteredStarts.indices.map { jitteredStarts[$0] + 1234 + ($0 * 53) % 81 - 40 },
             duty: 0.3857506897052418, period: 0.03200020202020202, processing: 0.0123441,
             lines: ["Average duty cycle: 0.38575", "Average period: 0.032 s", "Estimated throughput: 81.01 inf./sec."], warns: false),
        Case(name: "2 frames", starts: [0, 3200], stops: [500, 3700],
             duty: 0.15625000000000008, period: 0.032, processing: 0.005000000000000003,
             lines: ["Average duty cycle: 0.15625", "Average period: 0.032 s", "Estimated throughput: 200.0 inf./sec."], warns: false),
        Case(name: "one stop edge missing: pairs up to the shorter list", starts: [100, 3300, 6500, 9700], stops: [600, 3800, 7000],
             duty: 0.1562500000000001, period: 0.032, processing: 0.005000000000000004,
             lines: ["Average duty cycle: 0.15625", "Average period: 0.032 s", "Estimated throughput: 200.0 inf./sec."], warns: true),
        Case(name: "irregular periods", starts: irregularStarts, stops: irregularStarts.map { $0 + 17 },
             duty: 0.005279171894604461, period: 0.032202020202020204, processing: 0.00016999999999999012,
             lines: ["Average duty cycle: 0.0052792", "Average period: 0.032202 s", "Estimated throughput: 5882.4 inf./sec."], warns: true),
    ]

    @Test(arguments: cases) func computesAsTheRunner(_ c: Case) throws {
        let d = try WakewordDutyCycle(startTicks: c.starts, stopTicks: c.stops)
        #expect(d.dutyCycle == c.duty && d.periodSeconds == c.period && d.processingSeconds == c.processing,
                "\(d.dutyCycle) \(d.periodSeconds) \(d.processingSeconds)")
        #expect(d.resultLines == c.lines)
        #expect(d.warnings.isEmpty == !c.warns, "\(d.warnings)")
    }

    @Test func oneFrameHasNoPeriod() {
        #expect(throws: WakewordDutyCycle.Failure.tooFewFrames(1)) { try WakewordDutyCycle(startTicks: [0, 3200], stopTicks: [500]) }
    }

    /// Python's `format(x, '1.5')`, value by value as Python 3.11 prints them.
    @Test func numbersAreWrittenAsPythonWritesThem() {
        let expected: [(Double, String)] = [
            (0.123456789, "0.12346"), (0.5, "0.5"), (1.0, "1.0"), (31.25, "31.25"), (12345.0, "1.2345e+04"),
            (12345.6, "1.2346e+04"), (123456.0, "1.2346e+05"), (99999.5, "1e+05"), (0.0001234567, "0.00012346"),
            (0.00001234567, "1.2346e-05"), (30.012345, "30.012"), (2.0, "2.0"), (0.0, "0.0"), (1e-7, "1e-07"),
            (0.0616, "0.0616"), (16.234567, "16.235"), (99999.4, "9.9999e+04"),
        ]
        for (x, text) in expected { #expect(PythonFormat.general(x, significant: 5) == text, "\(x)") }
    }
}
