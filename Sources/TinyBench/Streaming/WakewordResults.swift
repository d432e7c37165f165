import Foundation

/// An sww01 run's results folder, `<session>/sww/performance/`, as the
/// MLCommons runner writes it and its submission checker reads it:
/// results.txt with the runner's lines for each stream (`Accuracy: …`,
/// `Average duty cycle`, `Average period`, `Estimated throughput`),
/// results.json (the streams and where the numbers came from) and log.txt
/// (every exchange). Modelled figures are labelled in results.txt.
public struct WakewordResults: Codable, Sendable {
    /// Where the numbers came from.
    public struct Manifest: Codable, Sendable {
        public var tool = "tinybench \(TinyBenchInfo.version)"
        public var benchmark = "sww01"
        public var device: DeviceDescription
        /// True when the timings are modelled, not measured on a board.
        public var emulated: Bool
        /// The interface board: its name and port.
        public var interface: String
        public var dut: String
        public var truthFile: String
        public var truthSHA256: String
        public var modelPath: String?
        public var modelSHA256: String?
        /// Energy mode: the monitor and how it was set up.
        public var monitor: MonitorIdentity?
        public var monitorSettings: MonitorSettings?

        public init(device: DeviceDescription, interface: String, dut: String, truthFile: String, truthSHA256: String,
                    modelPath: String? = nil, modelSHA256: String? = nil) {
            self.device = device
            emulated = device.timing.isModelled
            self.interface = interface
            self.dut = dut
            self.truthFile = truthFile
            self.truthSHA256 = truthSHA256
            self.modelPath = modelPath
            self.modelSHA256 = modelSHA256
        }
    }

    /// The folder of an sww run in a session, by mode.
    public static func folder(in session: URL, mode: Mode = .performance) -> URL {
        session.appendingPathComponent("sww").appendingPathComponent(mode.rawValue)
    }

    public var manifest: Manifest
    public var streams: [WakewordStreamStep.Outcome]
    /// The closed division's rules on the stream set the checker scores
    /// (TP + FN = 50, FN ≤ 8, FP ≤ 8): what this run misses of them, per stream.
    public var closedDivisionProblems: [String]

    public init(manifest: Manifest, streams: [WakewordStreamStep.Outcome]) {
        self.manifest = manifest
        self.streams = streams
        closedDivisionProblems = streams.flatMap { Self.closedDivisionProblems($0.score) }
    }

    /// The submission checker's closed-division rules on one accuracy line.
    public static func closedDivisionProblems(_ s: WakewordDetectionScore.Result) -> [String] {
        closedDivisionProblems(truePositives: s.truePositives.count, falseNegatives: s.falseNegatives.count,
                               falsePositives: s.falsePositives.count)
    }

    /// The same rules on counts (the checker's `sww_perf_acc`).
    public static func closedDivisionProblems(truePositives tp: Int, falseNegatives fn: Int, falsePositives fp: Int) -> [String] {
        var problems = [String]()
        if tp + fn != 50 { problems.append("TP + FN = \(tp + fn), not the 50 wakewords of the long stream the closed division scores") }
        if fn > 8 { problems.append("FN = \(fn) > 8") }
        if fp > 8 { problems.append("FP = \(fp) > 8") }
        return problems
    }

    /// results.txt: the runner's lines per stream (in energy mode its energy
    /// lines first, as `print_energy_results` prints them); modelled figures labelled.
    public var resultLines: [String] {
        var lines = [String]()
        let modelled = manifest.device.timing.isModelled
        let label = modelled ? " (\(manifest.device.timing == .instructionCount ? "QEMU" : "emulated"))" : ""
        if modelled { lines.append("Device: \(manifest.device.summary); timings\(manifest.monitor == nil ? "" : " and energy") are modelled, not measured") }
        if let m = manifest.monitor, let settings = manifest.monitorSettings {
            lines.append("Power Edition Output")
            lines.append("Monitor: \(m.model) (\(m.firmware)), \(String(format: "%.3f", settings.voltage)) V, \(Int(settings.sampleRateHz)) samples/s")
            var perFrame = [Double]()
            for (i, s) in streams.enumerated() {
                lines.append("Energy data for trial \(i + 1)")
                guard let e = s.energy, e.valid, let seconds = e.seconds, let joules = e.joules, let power = e.averagePowerWatts else {
                    lines.append("  INVALID: \(s.energy?.problems.joined(separator: "; ") ?? "no trace")")
                    continue
                }
                let frames = max(s.activations.count, 1)
                perFrame.append(joules / Double(frames) * 1e6)
                lines.append(String(format: "  Elapsed time  : %.3f s", seconds))
                lines.append("  Inferences    : \(s.activations.count) (frames processed)")
                lines.append(String(format: "  Power         : %5.4f mW.", power * 1e3) + label)
                lines.append(String(format: "  Total Energy  : %.3f uJ", joules * 1e6) + label)
                lines.append(String(format: "  Energy/Inf    : %.3f uJ/inf", joules / Double(frames) * 1e6) + label)
            }
            lines.append(String(repeating: "-", count: 57))
            if let median = WindowStatistics(perFrame)?.median {
                lines.append(String(format: "Median energy cost is %5.4f uJ/inf.", median) + label)
            }
            lines.append(String(repeating: "-", count: 57))
        }
        for s in streams {
            lines.append("== File \(s.stream) (\(String(format: "%.1f", s.lengthSeconds)) s) ==")
            lines.append(s.score.accuracyLine)
            if let d = s.dutyCycle {
                lines += d.resultLines.map { $0 + label }
                // Busy all the time: frames complete while the last is processed, and audio is lost.
                if d.dutyCycle >= 0.999 {
                    lines.append(String(format: "Warning: the DUT processes a frame in %.2f ms, longer than the 32 ms frame: it cannot keep up and loses audio", d.processingSeconds * 1e3))
                }
                lines += d.warnings.map { "Warning: \($0)" }
            } else {
                lines.append("No duty cycle data recorded")
            }
        }
        return lines
    }

    /// Writes results.txt, results.json and log.txt into `folder`.
    public func write(to folder: URL, log: [String]) throws(FileError) {
        try FileIO.createDirectory(folder)
        try FileIO.write(Data((resultLines.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("results.txt"))
        let json: Data
        do {
            json = try JSONOutput.encoder().encode(self)
        } catch {
            throw FileError("encode", folder.appendingPathComponent("results.json").path, error)
        }
        try FileIO.write(json, to: folder.appendingPathComponent("results.json"))
        try FileIO.write(Data((log.joined(separator: "\n") + "\n").utf8), to: folder.appendingPathComponent("log.txt"))
    }
}
