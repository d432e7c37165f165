import Foundation

/// The headline figures of a run over one or more benchmarks: one row per
/// benchmark, printed as a table at the end of a run and written to
/// `<output>/summary.txt` and `summary.json`.
public struct RunSummary: Sendable, Codable {
    /// One benchmark's outcome.
    public struct Row: Sendable, Codable {
        public var benchmark: String
        /// What ran it, e.g. "emulated (TinyRuntime + cost model of nucleo-l4r5zi-tflm)".
        public var device: String
        /// True when the timings come from a model of a board, not a measurement.
        public var emulated: Bool
        public var throughput: Double?
        public var latencyMilliseconds: Double?
        public var compliant: Bool?
        /// "top-1" or "AUC".
        public var metric: String
        public var quality: Double?
        public var target: Double
        public var targetMet: Bool?
        /// Energy mode: median µJ per inference and power; `energyProblems` says why a run is invalid.
        public var microjoulesPerInference: Double?
        public var averagePowerWatts: Double?
        public var energyProblems: [String]?
        /// Why the benchmark stopped, when it did.
        public var error: String?
        public var folders: [String]

        public init(benchmark: Benchmark, device: String, emulated: Bool) {
            self.benchmark = benchmark.id
            self.device = device
            self.emulated = emulated
            switch benchmark.metric {
            case .top1(let t): metric = "top-1"; target = t
            case .auc(let t): metric = "AUC"; target = t
            }
            folders = []
        }

        /// Folds in one mode's result.
        public mutating func add(_ result: Session.ModeResult) {
            folders.append(result.folder.path)
            switch result.mode {
            case .performance:
                throughput = result.throughput
                latencyMilliseconds = result.latencyMilliseconds
                compliant = result.compliant
            case .energy:
                microjoulesPerInference = result.microjoulesPerInference
                averagePowerWatts = result.averagePowerWatts
                energyProblems = result.problems
            case .accuracy:
                quality = metric == "AUC" ? result.auc : result.top1
                targetMet = result.targetMet
            }
        }

        /// The devices that produced the row, from their manifests.
        public mutating func describe(_ manifests: [SessionManifest]) {
            var summaries = [String]()
            for m in manifests where !summaries.contains(m.device.summary) { summaries.append(m.device.summary) }
            device = summaries.joined(separator: " + ")
            emulated = manifests.contains { $0.emulated }
        }
    }

    public var tool = "tinybench \(TinyBenchInfo.version)"
    public var output: String
    public var rows: [Row] = []
    /// Benchmarks of `all` that no DUT of the bench runs.
    public var skipped: [String] = []
    /// The signal that stopped the run early (SIGINT, SIGTERM), if one did.
    public var interrupted: String?

    public init(output: String) {
        self.output = output
    }

    /// True when every benchmark ran to the end and met its quality target (where measured).
    public var succeeded: Bool { rows.allSatisfy { $0.error == nil && $0.targetMet != false } }

    /// The table printed at the end of a run. With `errorsBelow` a failed
    /// benchmark's result says only FAILED: the caller prints its error once,
    /// after the table (summary.txt, read on its own, keeps the error).
    public func table(errorsBelow: Bool = false) -> String {
        let withEnergy = rows.contains { $0.energyProblems != nil }
        var lines = [[String]]()
        lines.append(["benchmark", "throughput", "latency", "quality", "target"] + (withEnergy ? ["energy"] : []) + ["result"])
        for r in rows {
            let throughput = r.throughput.map { String(format: "%.3f inf./s", $0) } ?? "-"
            let latency = r.latencyMilliseconds.map { String(format: "%.3f ms", $0) } ?? "-"
            let quality = r.quality.map { r.metric == "AUC" ? String(format: "AUC %.4f", $0) : String(format: "top-1 %.2f %%", $0 * 100) } ?? "-"
            let target = r.metric == "AUC" ? String(format: "AUC ≥ %.2f", r.target) : String(format: "≥ %.0f %%", r.target * 100)
            var verdict = [String]()
            if let error = r.error { verdict.append(errorsBelow ? "FAILED (error below)" : "FAILED: \(error)") }
            if let met = r.targetMet { verdict.append(met ? "target met" : "target NOT met") }
            if r.compliant == false { verdict.append("non-compliant windows") }
            var energy = [String]()
            if withEnergy {
                if let uj = r.microjoulesPerInference, let w = r.averagePowerWatts {
                    energy = [String(format: "%.3f uJ/inf. at %.3f mW", uj, w * 1000)]
                } else {
                    energy = [r.energyProblems == nil ? "-" : "INVALID"]
                }
                if let problems = r.energyProblems, !problems.isEmpty { verdict.append("energy invalid: " + problems.joined(separator: "; ")) }
            }
            let measured = r.throughput != nil || r.microjoulesPerInference != nil
            lines.append([r.benchmark + (r.emulated && measured ? "*" : ""), throughput, latency, quality, target] + energy +
                         [verdict.joined(separator: ", ")])
        }
        let columns = lines[0].count
        let widths = (0..<columns).map { c in lines.map { $0[c].count }.max() ?? 0 }
        var text = lines.map { row in
            row.enumerated().map { c, cell in
                c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
        let devices = Set(rows.map(\.device)).sorted()
        text += "\n" + devices.map { "device: \($0)" }.joined(separator: "\n")
        if rows.contains(where: { $0.emulated && ($0.throughput != nil || $0.microjoulesPerInference != nil) }) {
            text += "\n* emulated timing" + (withEnergy ? " and energy" : "") + " (see the device line), not a measurement on a board"
        }
        if !skipped.isEmpty { text += "\nnot run (no DUT of the bench runs them): " + skipped.joined(separator: ", ") }
        if let interrupted {
            text += "\nINTERRUPTED by \(interrupted): what completed is kept; continue with `tinybench resume \(output)`"
        }
        text += "\nsession: \(output)"
        return text
    }

    /// Writes `summary.txt` and `summary.json` into the session folder.
    public func write() throws {
        let root = URL(fileURLWithPath: output)
        try FileIO.createDirectory(root)
        try FileIO.write(Data((table() + "\n").utf8), to: root.appendingPathComponent("summary.txt"))
        let encoder = JSONOutput.encoder()
        try FileIO.write(try encoder.encode(self), to: root.appendingPathComponent("summary.json"))
    }
}
