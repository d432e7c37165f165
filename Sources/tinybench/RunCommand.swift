import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench [options] <kws|vww|ad|ic|ic2|all>`: benchmark runs against DUTs on
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

            Examples:
              tinybench all
              tinybench kws --port /dev/ttyACM0 --dataset DATASETS --mode accuracy
              tinybench ad --mode energy --emulated-lab --json --quiet
            """)

    @Argument(help: "Benchmark: kws, vww, ad, ic, ic2 (kws01 etc. accepted), or all.")
    var benchmark: BenchmarkSelection
    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Energy mode") var energy: EnergyOptions
    @OptionGroup(title: "History") var history: HistoryOptions
    @OptionGroup(title: "Output") var printing: OutputOptions
    @Option(help: "performance, accuracy, all (both), or energy (through --interface and --monitor, or --emulated-lab).")
    var mode: ModeSelection = .all
    @Option(help: "Dataset root in the EEMBC layout (<dir>/<kws01|...>/y_labels.csv); default: the bundled demo data.")
    var dataset: String?
    @Option(help: "The .tflite model the emulated DUT runs (with --port: recorded in the results); default: the bundled demo model.")
    var model: String?
    @Option(help: "An MLCommons Tiny runner tests YAML (tests_performance.yaml, ...): each benchmark's dataset folder, truth file and counts; with --mode performance, accuracy or energy.")
    var tests: String?
    @Option(help: "Session output folder (default: a new sessions/<date>_<time>, with -2, -3, ... for runs started in the same second). Results it already holds for the benchmarks and modes of this run are refused (see --overwrite); new benchmarks and modes join the session.")
    var output: String?
    @Flag(help: "Remove the results --output holds for the benchmarks and modes of this run before it starts (others are kept).")
    var overwrite = false
    @Option(help: "Minimum DUT seconds per performance window, 0.001 to 86400 (below 10 the run is marked non-compliant).")
    var minWindowSeconds = 10.0
    @Option(help: "Seconds to wait for a reply line before resynchronising, 0.001 to 86400.") var lineTimeout = 5.0
    @Option(help: "Seconds to wait for an inference beyond its expected length, 0.001 to 86400.") var inferTimeout = 30.0
    @Flag(help: "Skip the read-back of every loaded buffer, the second results reading and the repeated window measurement.")
    var noVerify = false
    @Flag(help: "Send inputs as `db` hex commands, as to stock firmware, even to a DUT that offers binary blocks (tb-caps: binary-db).")
    var hex = false
    @Flag(help: "Also write every byte sent to and received from the DUT, with its time, to trace.txt.gz beside each log.txt (log.txt sums up each input transfer in one line).")
    var trace = false

    func validate() throws {
        try require("--min-window-seconds", minWindowSeconds, in: 0.001...oneDay, "seconds")
        try require("--line-timeout", lineTimeout, in: 0.001...oneDay, "seconds")
        try require("--infer-timeout", inferTimeout, in: 0.001...oneDay, "seconds")
        guard !overwrite || output != nil else {
            throw ValidationError("--overwrite replaces results in an --output folder: without --output the session folder is always new")
        }
    }

    func run() throws {
        try reportingErrors {
            let demo = DemoData.locate()
            guard let datasetRoot = dataset.map({ URL(fileURLWithPath: $0) }) ?? demo else {
                throw CLIError("no --dataset given and the bundled demo data (Datasets/demo) was not found (\(DemoData.searchDescription())); set TINYBENCH_DEMO or pass --dataset")
            }
            let bench = try connection.bench(mode: mode, energy: energy.bench, voltage: energy.voltage, model: model, demoRoot: demo)
            try bench.validate(mode: mode, benchmarks: benchmark.benchmarks)
            var settings = SessionSettings()
            settings.mode = mode
            settings.minWindowSeconds = minWindowSeconds
            settings.targetWindowSeconds = minWindowSeconds * 1.5
            settings.verifyTransfers = !noVerify
            settings.hexOnly = hex ? true : nil
            var request = RunRequest(benchmarks: benchmark.benchmarks, datasetRoot: datasetRoot, settings: settings, bench: bench)
            request.skipBenchmarksWithoutDUT = benchmark == .all
            request.timeouts = DUTClient.Timeouts(line: lineTimeout, infer: inferTimeout)
            request.wireTrace = trace
            if let tests { try request.apply(TestsFile(contentsOf: tests)) }
            let folder = try output.map { URL(fileURLWithPath: $0) } ?? SessionFolder.createNew(under: URL(fileURLWithPath: "sessions"))
            let suite = try request.suite(output: folder)
            suite.existingResults = overwrite ? .overwrite : .refuse
            try runSuite(suite, output: printing, history: history)
        }
    }
}

/// Runs a suite with its progress and notices on standard error, tells each
/// benchmark's outcome and prints the summary (table or JSON); each error is
/// printed once, on standard error, and failed benchmarks make the exit
/// status 1; a run stopped by SIGINT / SIGTERM ends with 130 / 143.
func runSuite(_ suite: SuiteRun, output: OutputOptions, history: HistoryOptions) throws {
    let interruption = Interruption()
    interruption.catchSignals()
    suite.interruption = interruption
    let reporter = ProgressReporter.standardError()
    if !output.quiet {
        suite.progress = { b, done, total, phase in reporter.update(done: done, total: total, label: "\(b.id) \(phase)") }
    }
    suite.notice = { b, text in reporter.notice("\(b.id): \(text)") }
    suite.finished = { row in
        reporter.finish()
        output.inform("\(row.benchmark): " + (row.error == nil ? "done" : "FAILED") + " (\(row.folders.count) mode(s) written)")
    }
    let summary = try suite.run()
    output.summarize(summary)
    if !summary.rows.allSatisfy({ $0.folders.isEmpty }) {
        // The page and the history entry only read the session: made side by side.
        var reportLine: String?, historyLine: String?
        runConcurrently([{
            do {
                reportLine = "report: \(try HTMLReport.withModelledLayers(SessionFolder(url: suite.output)).write().path)"
            } catch {
                Console.error("warning: report.html not written: \(error)\n")
            }
        }, {
            history.record(suite.output) { historyLine = $0 }
        }])
        [reportLine, historyLine].compactMap { $0 }.forEach(output.inform)
    }
    if let signal = interruption.signal { throw ExitCode(Interruption.exitStatus(signal)) }
    let failed = summary.rows.filter { $0.error != nil }
    for row in failed {
        let prefix = summary.rows.count > 1 ? "\(row.benchmark): " : ""
        Console.error("error: \(prefix)\(row.error ?? "")\n")
    }
    if !failed.isEmpty { throw ExitCode.failure }
}
