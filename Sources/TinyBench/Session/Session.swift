import Foundation

/// Which MLPerf Tiny modes a session runs.
public enum RunMode: String, Sendable, CaseIterable, Codable {
    /// `all` is performance then accuracy; energy needs its own firmware build and wiring.
    case performance, accuracy, energy, all
}

/// Settings of one benchmark run.
public struct SessionSettings: Sendable, Codable {
    public var mode: RunMode = .all
    /// Performance windows (the rules: 5, each on a different file).
    public var windows = 5
    /// Minimum DUT time per window (the rules: 10 s); lower values are
    /// recorded as non-compliant.
    public var minWindowSeconds = 10.0
    /// Target window length, comfortably above the minimum like the runner's 12–20 s.
    public var targetWindowSeconds = 15.0
    /// Attempts per sample when the link misbehaves before the run stops.
    public var attemptsPerSample = 3
    /// Every loaded buffer is read back (`db print`); accuracy mode asks for
    /// the results twice (`infer`, then `results`) and performance mode
    /// measures each window twice: a byte corrupted on the line then causes a
    /// retry instead of a wrong answer.
    public var verifyTransfers = true
    /// Energy mode: after the DUT finished, how long the monitor may deliver
    /// nothing new before the trace is taken as it is (missing edges then
    /// make the window invalid).
    public var monitorWaitSeconds = 5.0

    public init() {}

    public var compliant: Bool { windows == 5 && minWindowSeconds >= 10 }
}

/// What the session records about where the numbers came from.
public struct SessionManifest: Sendable, Codable {
    public var tool = "tinybench \(TinyBenchInfo.version)"
    public var benchmark: String
    public var dut: DUTIdentity?
    public var port: String
    public var baud: Int?
    /// "emulated (TinyRuntime + cost model of <profile>)" or "hardware".
    public var device: String
    public var emulated: Bool
    public var datasetPath: String
    public var datasetSHA256: String
    public var modelPath: String?
    public var modelSHA256: String?
    /// Energy mode: the interface board's name and the monitor.
    public var interfaceBoard: String?
    public var monitor: MonitorIdentity?
    public var monitorSettings: MonitorSettings?

    public init(benchmark: String, port: String, baud: Int?, device: String, emulated: Bool,
                datasetPath: String, datasetSHA256: String, modelPath: String?, modelSHA256: String?) {
        self.benchmark = benchmark
        self.port = port
        self.baud = baud
        self.device = device
        self.emulated = emulated
        self.datasetPath = datasetPath
        self.datasetSHA256 = datasetSHA256
        self.modelPath = modelPath
        self.modelSHA256 = modelSHA256
    }
}

/// One performance window.
public struct PerformanceWindow: Sendable, Codable {
    public var file: String
    public var inferences: Int
    public var warmups: Int
    public var lapStart: UInt32
    public var lapEnd: UInt32
    public var seconds: Double
    public var throughput: Double
    /// The repeated measurement that confirmed `seconds` (nil when transfers are not verified).
    public var checkSeconds: Double?
}

/// One accuracy sample: a file, its label, what the DUT answered.
public struct AccuracySample: Sendable, Codable {
    public var file: String
    public var label: Int
    /// Classifiers: argmax of the results. ad01: nil.
    public var predicted: Int?
    /// Classifiers: the result vector. ad01: the window scores.
    public var results: [Double]
    /// ad01: the file's score, the mean of its window scores.
    public var score: Double?
}

/// Runs performance and accuracy modes by the MLPerf Tiny rules against a DUT
/// and writes the session folder the MLCommons submission checker expects:
/// `<output>/<kws|vww|ad|ic>/<performance|accuracy>/{log.txt,results.txt,results.json}`,
/// plus `samples.jsonl` with every completed window or sample as it completes.
public final class Session {
    public let client: DUTClient
    public let benchmark: Benchmark
    public let dataset: Dataset
    public let settings: SessionSettings
    public var manifest: SessionManifest
    public let output: URL
    /// Progress callback: (done, total, phase).
    public var progress: ((Int, Int, String) -> Void)?
    /// Energy mode: the monitor that powers the DUT and sees its timestamps.
    public var monitor: (any EnergyMonitor)?

    public init(client: DUTClient, benchmark: Benchmark, dataset: Dataset, settings: SessionSettings,
                manifest: SessionManifest, output: URL) {
        self.client = client
        self.benchmark = benchmark
        self.dataset = dataset
        self.settings = settings
        self.manifest = manifest
        self.output = output
    }

    /// The result of one mode: where its files are and its headline figures.
    public struct ModeResult: Sendable {
        public var mode: RunMode
        public var folder: URL
        /// Performance: median throughput (inf./s) and the latency it implies (ms).
        public var throughput: Double?
        public var latencyMilliseconds: Double?
        /// Performance: 5 windows of at least 10 s each.
        public var compliant: Bool?
        /// Energy: median µJ per inference and average power, nil when the run is invalid.
        public var microjoulesPerInference: Double?
        public var averagePowerWatts: Double?
        /// Energy: why the run is invalid (empty when valid).
        public var problems: [String] = []
        /// Accuracy: top-1 (0...1) of a classifier, or AUC for ad01, and whether the quality target is met.
        public var top1: Double?
        public var auc: Double?
        public var targetMet: Bool?

        public init(mode: RunMode, folder: URL) {
            self.mode = mode
            self.folder = folder
        }
    }

    public func run(bootLines: [String] = []) throws -> [ModeResult] {
        var results = [ModeResult]()
        if settings.mode == .performance || settings.mode == .all { results.append(try performance(bootLines: bootLines)) }
        if settings.mode == .accuracy || settings.mode == .all { results.append(try accuracy(bootLines: bootLines)) }
        if settings.mode == .energy { results.append(try energy(bootLines: bootLines)) }
        return results
    }

    // MARK: - Performance

    func performance(bootLines: [String]) throws -> ModeResult {
        let folder = try prepareFolder("performance")
        let log = try SessionLog(url: folder.appendingPathComponent("log.txt"))
        let samples = try JSONLines(url: folder.appendingPathComponent("samples.jsonl"))
        client.log = { log.write($0) }
        defer { client.log = nil }
        let identity = try identifyAndCheck(bootLines: bootLines, log: log)
        guard !identity.energyTimestamps else {
            throw SessionError.energyFirmware(identity.name)
        }
        var windows = [PerformanceWindow]()
        let warmups = benchmark.referenceWarmups
        let perInference = try calibrate()
        log.write("# calibration: \(String(format: "%.6f", perInference)) s per inference")
        var n = max(Int((settings.targetWindowSeconds / perInference).rounded(.up)), 10)
        for w in 0..<settings.windows {
            let index = w % dataset.entries.count
            let entry = dataset.entries[index]
            let input = Array(try dataset.sample(index)[benchmark.window(0)])
            progress?(w, settings.windows, "performance window \(w + 1)/\(settings.windows) (\(entry.file))")
            let window = try withRetries("performance window \(w + 1) (\(entry.file))") { () throws -> PerformanceWindow in
                try loadChecked(input)
                var m = try timedInference(n, warmup: warmups, perInference: perInference, "window \(w + 1)")
                if m.seconds < settings.minWindowSeconds {
                    n = Int(Double(n) * settings.targetWindowSeconds / m.seconds) + 1
                    m = try timedInference(n, warmup: warmups, perInference: perInference, "window \(w + 1)")
                }
                return PerformanceWindow(file: entry.file, inferences: n, warmups: warmups, lapStart: m.reply.laps!.start,
                                         lapEnd: m.reply.laps!.end, seconds: m.seconds, throughput: Double(n) / m.seconds,
                                         checkSeconds: m.check)
            }
            windows.append(window)
            try samples.append(window)
            log.write("# window \(w + 1): \(window.inferences) inferences in \(window.seconds) s = \(window.throughput) inf./sec.")
        }
        progress?(settings.windows, settings.windows, "performance done")
        let stats = WindowStatistics(windows.map(\.throughput))!
        let short = windows.filter { $0.seconds < settings.minWindowSeconds }
        var lines = [String]()
        let name = benchmark.shortName
        // The device line says which emulation (cost model or QEMU instruction count) produced the time.
        let label = manifest.emulated ? " (emulated timing, not a measurement on a board: \(manifest.device))" : ""
        for (i, w) in windows.enumerated() {
            lines.append("\(name) performance: window \(i + 1): \(w.file) \(w.inferences) inferences in \(String(format: "%.3f", w.seconds)) s, \(String(format: "%.3f", w.throughput)) inf./sec.")
        }
        lines.append("\(name) performance: latency \(String(format: "%.3f", 1000 / stats.median)) ms/inf.\(label)")
        lines.append("\(name) performance: min \(String(format: "%.3f", stats.min)), max \(String(format: "%.3f", stats.max)), CV \(String(format: "%.2f", stats.coefficientOfVariation * 100)) %")
        if !settings.compliant || !short.isEmpty {
            lines.append("\(name) performance: NON-COMPLIANT run: \(settings.windows) windows, minimum window \(settings.minWindowSeconds) s" +
                         (short.isEmpty ? "" : ", \(short.count) window(s) shorter than that"))
        }
        lines.append("\(name) performance: Median throughput is \(String(format: "%.3f", stats.median)) inf./sec.\(label)")
        try write(lines, to: folder.appendingPathComponent("results.txt"))
        try writeJSON(PerformanceReport(manifest: manifest, settings: settings, windows: windows,
                                        medianThroughput: stats.median, latencyMilliseconds: 1000 / stats.median,
                                        statistics: stats, compliant: settings.compliant && short.isEmpty),
                      to: folder.appendingPathComponent("results.json"))
        var result = ModeResult(mode: .performance, folder: folder)
        result.throughput = stats.median
        result.latencyMilliseconds = 1000 / stats.median
        result.compliant = settings.compliant && short.isEmpty
        return result
    }

    /// Inferences in a calibration run: enough to average out one slow inference.
    static let calibrationInferences = 10
    /// Two measurements of the same window must agree this closely (relative).
    public static let repeatTolerance = 0.001

    /// DUT seconds per inference, from a short run on the first file.
    private func calibrate() throws -> Double {
        let entry = dataset.entries[0]
        let input = Array(try dataset.sample(0)[benchmark.window(0)])
        return try withRetries("calibrating on \(entry.file)") { () throws -> Double in
            try loadChecked(input)
            let probe = try client.infer(Self.calibrationInferences, warmup: 1)
            return try checkedSeconds(probe, "calibration") / Double(Self.calibrationInferences)
        }
    }

    /// `infer n warmup` with its interval checked. The protocol has no
    /// checksum, and a garbled digit in `m-lap-us` can still parse; with
    /// `verifyTransfers` every window is therefore measured twice and kept
    /// only when both agree within `repeatTolerance` (a garbled line does not
    /// repeat itself). Returns the first measurement and the check.
    private func timedInference(_ n: Int, warmup: Int, perInference: Double, _ what: String)
        throws -> (reply: InferenceReply, seconds: Double, check: Double?) {
        let expected = perInference * Double(n + warmup)
        let reply = try client.infer(n, warmup: warmup, expectedSeconds: expected)
        let seconds = try checkedSeconds(reply, what)
        guard settings.verifyTransfers else { return (reply, seconds, nil) }
        let again = try checkedSeconds(try client.infer(n, warmup: warmup, expectedSeconds: expected), what)
        guard abs(again / seconds - 1) <= Self.repeatTolerance else {
            throw DUTError.unexpected(command: "infer \(n) \(warmup)",
                                      "two measurements of \(what) disagree (\(seconds) s, \(again) s)")
        }
        return (reply, seconds, again)
    }

    /// The DUT interval of a reply, with the checks that hold for any DUT. A
    /// real DUT cannot count more time than passed on the host (a fast timer
    /// or a garbled lap); an emulated one runs on a virtual clock.
    private func checkedSeconds(_ reply: InferenceReply, _ what: String) throws -> Double {
        guard let us = reply.elapsedMicroseconds else {
            throw DUTError.unexpected(command: "infer \(reply.inferences)", "no m-lap-us timestamps in \(what)")
        }
        guard us > 0 else { throw SessionError.zeroInterval(what) }
        let seconds = Double(us) / 1e6
        if !manifest.emulated && seconds > reply.hostSeconds * 1.02 + 0.25 {
            throw DUTError.unexpected(command: "infer \(reply.inferences)",
                                      "the DUT timed \(what) at \(seconds) s but only \(reply.hostSeconds) s passed on the host: check the DUT's timer")
        }
        return seconds
    }

    /// `db load` + `db <hex>`, read back with `db print` when transfers are verified.
    func loadChecked(_ bytes: [UInt8]) throws {
        try client.load(bytes)
        if settings.verifyTransfers {
            guard try client.printBuffer() == bytes else {
                throw DUTError.unexpected(command: "db print", "the DUT holds different bytes than were sent")
            }
        }
    }

    // MARK: - Accuracy

    func accuracy(bootLines: [String]) throws -> ModeResult {
        let folder = try prepareFolder("accuracy")
        let log = try SessionLog(url: folder.appendingPathComponent("log.txt"))
        let samplesFile = try JSONLines(url: folder.appendingPathComponent("samples.jsonl"))
        client.log = { log.write($0) }
        defer { client.log = nil }
        _ = try identifyAndCheck(bootLines: bootLines, log: log)
        var samples = [AccuracySample]()
        let total = dataset.entries.count
        for (i, entry) in dataset.entries.enumerated() {
            progress?(i, total, "accuracy \(i + 1)/\(total)")
            let bytes = try dataset.sample(i)
            var windowResults = [[Double]]()
            for w in 0..<benchmark.windowsPerFile {
                let window = Array(bytes[benchmark.window(w)])
                let reply = try withRetries("sample \(entry.file) window \(w)") { () throws -> InferenceReply in
                    try loadChecked(window)
                    let reply = try client.infer(1, warmup: 0)
                    if settings.verifyTransfers {
                        let again = try client.results()
                        guard again == reply.results else {
                            throw DUTError.unexpected(command: "results", "two readings of the results differ")
                        }
                    }
                    return reply
                }
                windowResults.append(reply.results)
            }
            let sample: AccuracySample
            if case .auc = benchmark.metric {
                let scores = windowResults.map { $0.first ?? .nan }
                sample = AccuracySample(file: entry.file, label: entry.label, predicted: nil, results: scores,
                                        score: scores.reduce(0, +) / Double(scores.count))
            } else {
                let r = windowResults[0]
                guard r.count == benchmark.classes else {
                    throw SessionError.badResults(entry.file, "\(r.count) values for \(benchmark.classes) classes")
                }
                sample = AccuracySample(file: entry.file, label: entry.label, predicted: ClassificationReport.argmax(r), results: r, score: nil)
            }
            samples.append(sample)
            try samplesFile.append(sample)
        }
        progress?(total, total, "accuracy done")
        let name = benchmark.shortName
        var lines = [String]()
        var result = ModeResult(mode: .accuracy, folder: folder)
        var report = AccuracyReport(manifest: manifest, settings: settings, samples: samples, top1: nil, auc: nil, classification: nil)
        switch benchmark.metric {
        case .top1(let target):
            let c = ClassificationReport(classes: benchmark.classes, pairs: samples.map { ($0.label, $0.predicted ?? -1) })
            report.top1 = c.top1
            report.classification = c
            for (k, a) in c.perClass.enumerated() {
                lines.append("\(name) accuracy: class \(k): " + (a.map { String(format: "%.2f %%", $0 * 100) } ?? "no samples"))
            }
            lines.append("\(name) accuracy: target \(String(format: "%.0f", target * 100)) %, \(c.top1 >= target ? "met" : "NOT met")")
            lines.append("\(name) accuracy: Top 1% = \(String(format: "%.2f", c.top1 * 100))")
            // The runner's one-vs-rest AUC, informational for classifiers.
            if let auc = try? ROCAUC.oneVsRest(labels: samples.map(\.label), results: samples.map(\.results)) {
                report.auc = auc
                lines.append("\(name) accuracy: AUC = \(String(format: "%.3f", auc))")
            }
            result.top1 = c.top1
            result.targetMet = c.top1 >= target
        case .auc(let target):
            let auc = try ROCAUC.compute(labels: samples.map(\.label), scores: samples.map { $0.score ?? .nan })
            report.auc = auc
            let top1 = AnomalyThresholdAccuracy.mlcRunner(labels: samples.map(\.label), scores: samples.map { $0.score ?? .nan })
            report.top1 = top1 / 100
            lines.append("\(name) accuracy: target AUC \(target), \(auc >= target ? "met" : "NOT met")")
            // As the MLCommons runner computes it (best mean of precision and recall over 100 thresholds).
            lines.append("\(name) accuracy: Top 1% = \(String(format: "%.1f", top1))")
            lines.append("\(name) accuracy: AUC = \(String(format: "%.4f", auc))")
            result.auc = auc
            result.targetMet = auc >= target
        }
        try write(lines, to: folder.appendingPathComponent("results.txt"))
        try writeJSON(report, to: folder.appendingPathComponent("results.json"))
        return result
    }

    // MARK: - Helpers

    func identifyAndCheck(bootLines: [String], log: SessionLog) throws -> DUTIdentity {
        let identity = try withRetries("identifying the DUT") { try client.identify(bootLines: bootLines) }
        manifest.dut = identity
        // An emulated DUT behind a port reports itself; its timings are emulated too.
        if identity.name.localizedCaseInsensitiveContains("emulated") && !manifest.emulated {
            manifest.emulated = true
            manifest.device = "emulated DUT '\(identity.name)' on \(manifest.port)"
        }
        // The endpoint carries the baud rate an RFC 2217 server acknowledged.
        log.write("# port: \(client.transport.endpoint)")
        log.write("# DUT: \(identity.name), \(identity.profile), model \(identity.model)")
        guard identity.model == benchmark.id else { throw SessionError.wrongModel(dut: identity.model, requested: benchmark.id) }
        return identity
    }

    /// Runs `body`; after a link failure (timeout, garbage, a reset) it
    /// resynchronises and starts the step over, at most `attemptsPerSample` times.
    func withRetries<T>(_ what: String, _ body: () throws -> T) throws -> T {
        var lastError: Error?
        for _ in 0..<max(settings.attemptsPerSample, 1) {
            do {
                return try body()
            } catch let error as DUTError {
                if case .transport(.closed) = error { throw SessionError.failed(what, error) }
                lastError = error
                client.log?("# \(what): \(error); resynchronising")
                try? client.resynchronise()
            }
        }
        throw SessionError.failed(what, lastError!)
    }

    func prepareFolder(_ mode: String) throws -> URL {
        let folder = output.appendingPathComponent(benchmark.shortName).appendingPathComponent(mode)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(value).write(to: url)
    }
}

struct PerformanceReport: Codable {
    var manifest: SessionManifest
    var settings: SessionSettings
    var windows: [PerformanceWindow]
    var medianThroughput: Double
    var latencyMilliseconds: Double
    var statistics: WindowStatistics
    var compliant: Bool
}

struct AccuracyReport: Codable {
    var manifest: SessionManifest
    var settings: SessionSettings
    var samples: [AccuracySample]
    var top1: Double?
    var auc: Double?
    var classification: ClassificationReport?
}

/// Appends one JSON object per line, flushed at once: the record of every
/// completed step that survives an interrupted run.
final class JSONLines {
    private let handle: FileHandle
    init(url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        handle = try FileHandle(forWritingTo: url)
    }
    func append<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        handle.write(try encoder.encode(value) + [10])
    }
    deinit { try? handle.close() }
}

/// Why a session stopped.
public enum SessionError: Error, CustomStringConvertible {
    case wrongModel(dut: String, requested: String)
    case energyFirmware(String)
    case zeroInterval(String)
    case badResults(String, String)
    case failed(String, Error)
    case noMonitor
    case noTimestamps(String)

    public var description: String {
        switch self {
        case let .wrongModel(dut, requested): "the DUT runs \(dut), but \(requested) was requested"
        case .energyFirmware(let n): "\(n) is built in energy timestamp mode (m-timestamp-mode-energy, no m-lap-us): flash the performance build for performance runs, or use --mode energy"
        case .zeroInterval(let w): "the DUT reported a zero-length interval in \(w)"
        case let .badResults(f, why): "results for \(f): \(why)"
        case let .failed(what, e): "stopped while \(what): \(e) (completed steps are in samples.jsonl)"
        case .noMonitor: "energy mode needs an energy monitor (--monitor)"
        case .noTimestamps(let why): "energy calibration failed: \(why). Is the DUT running its energy build (GPIO timestamps), and is its timestamp pin wired to the monitor's timestamp input (Docs/energy.md)?"
        }
    }
}
