import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench [options] <kws|vww|ad|ic|all>`: benchmark runs against DUTs on
/// serial ports, QEMU, or the in-process emulated DUT when no port is given.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run MLPerf Tiny benchmarks (performance, accuracy, energy) on a DUT, QEMU, the emulated DUT or the emulated energy lab.",
        discussion: """
            Without --port the emulated DUT runs in-process (TinyRuntime with a board's cost \
            model: its timings are emulated, and labelled so). Without --dataset and --model the \
            bundled demo data and models (Datasets/demo) are used, so `tinybench kws` or \
            `tinybench all` runs out of the box. With several DUTs (repeated --port) each board \
            runs the benchmark its firmware was built for, and identical DUTs share an accuracy \
            run (Docs/benches.md).
            """)

    @Argument(help: "Benchmark: kws, vww, ad, ic (kws01 etc. accepted), or all.")
    var benchmark: BenchmarkSelection
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Energy mode") var energy: EnergyOptions
    @Option(help: "performance, accuracy, all (both), or energy (through --interface and --monitor, or --emulated-lab).")
    var mode: ModeSelection = .all
    @Option(help: "Dataset root in the EEMBC layout (<dir>/<kws01|...>/y_labels.csv); default: the bundled demo data.")
    var dataset: String?
    @Option(help: "The .tflite model the emulated DUT runs (with --port: recorded in the results); default: the bundled demo model.")
    var model: String?
    @Option(help: "An MLCommons Tiny runner tests YAML (tests_performance.yaml, ...): each benchmark's dataset folder, truth file and counts; with --mode performance, accuracy or energy.")
    var tests: String?
    @Option(help: "Session output folder (default: sessions/<date>_<time>).") var output: String?
    @Option(help: "Minimum DUT seconds per performance window (below 10 the run is marked non-compliant).")
    var minWindowSeconds = 10.0
    @Option(help: "Seconds to wait for a reply line before resynchronising.") var lineTimeout = 5.0
    @Option(help: "Seconds to wait for an inference beyond its expected length.") var inferTimeout = 30.0
    @Flag(help: "Skip the read-back of every loaded buffer, the second results reading and the repeated window measurement.")
    var noVerify = false

    func run() throws {
        try reportingErrors {
            let demo = DemoData.locate()
            guard let datasetRoot = dataset.map({ URL(fileURLWithPath: $0) }) ?? demo else {
                throw CLIError("no --dataset given and the bundled demo data (Datasets/demo) was not found; set TINYBENCH_DEMO or pass --dataset")
            }
            let bench = try connection.bench(mode: mode, energy: energy.bench, voltage: energy.voltage, model: model, demoRoot: demo)
            try bench.validate(mode: mode, benchmarks: benchmark.benchmarks)
            var settings = SessionSettings()
            settings.mode = mode
            settings.minWindowSeconds = minWindowSeconds
            settings.targetWindowSeconds = max(minWindowSeconds * 1.5, 0.001)
            settings.verifyTransfers = !noVerify
            let suite = SuiteRun(benchmarks: benchmark.benchmarks, datasetRoot: datasetRoot, settings: settings,
                                 output: URL(fileURLWithPath: output ?? Self.defaultOutput()), connectors: try bench.connectors())
            suite.skipBenchmarksWithoutDUT = benchmark == .all
            if let tests { try suite.apply(TestsFile(contentsOf: tests)) }
            try runSuite(suite, timeouts: DUTClient.Timeouts(line: lineTimeout, infer: inferTimeout))
        }
    }

    /// `sessions/<yyyyMMdd_HHmmss>`, like the MLCommons runner's session folders.
    static func defaultOutput() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyyMMdd_HHmmss"
        return "sessions/" + f.string(from: Date())
    }
}

/// Runs a suite with its progress and notices on standard error, prints each
/// benchmark's outcome and the summary table; failed benchmarks are listed on
/// standard error and make the exit status 1.
func runSuite(_ suite: SuiteRun, timeouts: DUTClient.Timeouts) throws {
    suite.timeouts = timeouts
    let reporter = ProgressReporter.standardError()
    suite.progress = { b, done, total, phase in reporter.update(done: done, total: total, label: "\(b.id) \(phase)") }
    suite.notice = { b, text in reporter.notice("\(b.id): \(text)") }
    suite.finished = { row in
        reporter.finish()
        print("\(row.benchmark): " + (row.error.map { "FAILED: \($0)" } ?? "done") + " (\(row.folders.count) mode(s) written)")
    }
    let summary = try suite.run()
    print("")
    print(summary.table())
    let failed = summary.rows.filter { $0.error != nil }
    for row in failed {
        let prefix = summary.rows.count > 1 ? "\(row.benchmark): " : ""
        FileHandle.standardError.write(Data("error: \(prefix)\(row.error ?? "")\n".utf8))
    }
    if !failed.isEmpty { throw ExitCode.failure }
}
