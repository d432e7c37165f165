import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// `tinybench [options] <kws|vww|ad|ic|all>`: benchmark runs against a DUT on a
/// serial port, or against the in-process emulated DUT when no port is given.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run MLPerf Tiny benchmarks (performance, accuracy, energy) on a DUT, QEMU, the emulated DUT or the emulated energy lab.",
        discussion: """
            Without --port the emulated DUT runs in-process (TinyRuntime with a board's cost \
            model: its timings are emulated, and labelled so). Without --dataset and --model the \
            bundled demo data and models (Datasets/demo) are used, so `tinybench kws` or \
            `tinybench all` runs out of the box.
            """)

    @Argument(help: "Benchmark: kws, vww, ad, ic (kws01 etc. accepted), or all (emulated DUT only).")
    var benchmark: String
    @Option(help: "Serial port of the DUT: a device, rfc2217://HOST:PORT or socket://HOST:PORT (without it, the emulated DUT runs in-process).") var port: String?
    @Option(help: "Run this firmware (.elf) under QEMU (mps2-an386) and benchmark it over its serial line; timings are instruction counts.")
    var qemu: String?
    @Option(help: "Baud rate of the serial port.") var baud = 115_200
    @Option(help: "performance, accuracy, all (both), or energy (through --interface and --monitor, or --emulated-lab).")
    var mode: RunMode = .all
    @Option(help: "Energy mode: serial port of the interface board (STM32H573I-DK or Arduino IO manager).")
    var interface: String?
    @Option(help: "Energy mode: lpm01a:PORT, ppk2:PORT or js220 (USB; experimental: not yet verified on hardware); with --emulated-lab just lpm01a, ppk2 or js220 (default lpm01a).")
    var monitor: String?
    @Option(help: "Energy mode: the DUT's supply voltage set on the monitor.") var voltage = 3.0
    @Flag(help: "Energy mode against the emulated lab: an emulated DUT behind an emulated interface board, powered by an emulated monitor, on pseudo-terminals.")
    var emulatedLab = false
    @Option(help: "Dataset root in the EEMBC layout (<dir>/<kws01|...>/y_labels.csv); default: the bundled demo data.")
    var dataset: String?
    @Option(help: "The .tflite model the emulated DUT runs (with --port: recorded in the results); default: the bundled demo model.")
    var model: String?
    @Option(help: "Board profile of the emulated DUT.") var profile = BoardProfile.nucleoL4R5ZITFLM.name
    @Option(help: "Session output folder (default: sessions/<date>_<time>).") var output: String?
    @Option(help: "Minimum DUT seconds per performance window (below 10 the run is marked non-compliant).")
    var minWindowSeconds = 10.0
    @Option(help: "Seconds to wait for a reply line before resynchronising.") var lineTimeout = 5.0
    @Option(help: "Seconds to wait for an inference beyond its expected length.") var inferTimeout = 30.0
    @Flag(help: "Skip the read-back of every loaded buffer, the second results reading and the repeated window measurement.")
    var noVerify = false

    func run() throws {
        try reportingErrors {
            let benchmarks = try selectedBenchmarks()
            let demo = DemoData.locate()
            guard let datasetRoot = dataset.map({ URL(fileURLWithPath: $0) }) ?? demo else {
                throw CLIError("no --dataset given and the bundled demo data (Datasets/demo) was not found; set TINYBENCH_DEMO or pass --dataset")
            }
            var settings = SessionSettings()
            settings.mode = mode
            settings.minWindowSeconds = minWindowSeconds
            settings.targetWindowSeconds = max(minWindowSeconds * 1.5, 0.001)
            settings.verifyTransfers = !noVerify
            let folder = URL(fileURLWithPath: output ?? Self.defaultOutput())
            let suite = SuiteRun(benchmarks: benchmarks, datasetRoot: datasetRoot, settings: settings, output: folder,
                                 connect: try connector(demo: demo))
            suite.timeouts = DUTClient.Timeouts(line: lineTimeout, infer: inferTimeout)
            suite.progress = { b, done, total, phase in
                ProgressBar.standardError.update(done: done, total: total, label: "\(b.id) \(phase)")
            }
            suite.finished = { row in
                ProgressBar.standardError.finish()
                print("\(row.benchmark): " + (row.error.map { "FAILED: \($0)" } ?? "done") + " (\(row.folders.count) mode(s) written)")
            }
            let summary = try suite.run()
            print("")
            print(summary.table())
            let failed = summary.rows.filter { $0.error != nil }
            for row in failed {
                let prefix = summary.rows.count > 1 ? "\(row.benchmark): " : ""
                FileHandle.standardError.write(Data("error: \(prefix)\(row.error!)\n".utf8))
            }
            if !failed.isEmpty { throw ExitCode.failure }
        }
    }

    private func selectedBenchmarks() throws -> [Benchmark] {
        if benchmark.lowercased() == "all" {
            guard port == nil, qemu == nil, interface == nil else {
                throw CLIError("a board runs the one benchmark its firmware was built for: name it (kws, vww, ad or ic) with --port or --interface")
            }
            return Benchmark.all
        }
        guard let b = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)': use kws, vww, ad, ic or all") }
        return [b]
    }

    /// How each benchmark reaches its DUT: the serial port, or a new emulated DUT.
    private func connector(demo: URL?) throws -> (Benchmark, Dataset) throws -> DUTConnection {
        if mode == .energy { return try energyConnector(demo: demo) }
        guard interface == nil, monitor == nil, !emulatedLab else {
            throw CLIError("--interface, --monitor and --emulated-lab belong to --mode energy")
        }
        if let qemu {
            guard port == nil else { throw CLIError("--qemu starts its own DUT: do not also give --port") }
            let model = self.model
            return { benchmark, data in
                let modelSHA = try model.map { SHA256.hex(try readFile($0, what: "model")) }
                let device = try QEMUDevice(firmware: qemu)
                let manifest = SessionManifest(benchmark: benchmark.id, port: device.endpoint, baud: nil, device: QEMUDevice.description,
                                               emulated: true, datasetPath: data.directory.deletingLastPathComponent().path,
                                               datasetSHA256: try data.checksum(), modelPath: model, modelSHA256: modelSHA)
                return DUTConnection(transport: device, manifest: manifest)
            }
        }
        if let port {
            let (model, baud) = (self.model, self.baud)
            return { benchmark, data in
                let modelSHA = try model.map { SHA256.hex(try readFile($0, what: "model")) }
                let manifest = SessionManifest(benchmark: benchmark.id, port: port, baud: baud, device: "device on \(port)",
                                               emulated: false, datasetPath: data.directory.deletingLastPathComponent().path,
                                               datasetSHA256: try data.checksum(), modelPath: model, modelSHA256: modelSHA)
                return DUTConnection(transport: try openSerialPort(path: port, baud: baud), manifest: manifest)
            }
        }
        guard let board = BoardProfile.named(profile) else {
            throw CLIError("unknown profile '\(profile)': \(BoardProfile.all.map(\.name).joined(separator: ", "))")
        }
        let model = self.model
        if model != nil, benchmark.lowercased() == "all" {
            throw CLIError("--model names one model; `all` uses each benchmark's bundled demo model")
        }
        return { benchmark, data in
            guard let path = model ?? demo.map({ DemoData.model(benchmark, in: $0).path }) else {
                throw CLIError("the emulated DUT needs --model MODEL.tflite (no bundled demo model was found)")
            }
            return try EmulatedConnection.open(modelPath: path, benchmark: benchmark, profile: board, dataset: data)
        }
    }

    /// Energy mode: the bench on real ports, or an emulated lab per benchmark.
    private func energyConnector(demo: URL?) throws -> (Benchmark, Dataset) throws -> DUTConnection {
        guard port == nil, qemu == nil else {
            throw CLIError("energy mode reaches the DUT through the interface board: give --interface and --monitor (or --emulated-lab), not --port or --qemu")
        }
        let voltage = self.voltage, model = self.model
        if emulatedLab {
            guard interface == nil else { throw CLIError("--emulated-lab hosts its own interface board: do not also give --interface") }
            guard let kind = LabServer.Monitor(rawValue: (monitor ?? "lpm01a").lowercased()) else {
                throw CLIError("with --emulated-lab, --monitor is lpm01a, ppk2 or js220")
            }
            guard let board = BoardProfile.named(profile) else { throw CLIError("unknown profile '\(profile)'") }
            return { benchmark, data in
                guard let path = model ?? demo.map({ DemoData.model(benchmark, in: $0).path }) else {
                    throw CLIError("the emulated lab needs --model MODEL.tflite (no bundled demo model was found)")
                }
                let bytes = try readFile(path, what: "model")
                let lab = try LabServer(model: try Model(bytes: bytes), benchmark: benchmark, monitor: kind, profile: board)
                lab.start()
                let manifest = SessionManifest(benchmark: benchmark.id, port: lab.interfacePath, baud: nil,
                                               device: "emulated energy lab (TinyRuntime + cost model of \(board.name), emulated interface board on a pseudo-terminal, emulated \(kind.rawValue.uppercased()) " + (kind == .js220 ? "in process behind the USB seam)" : "on a pseudo-terminal)"),
                                               emulated: true, datasetPath: data.directory.deletingLastPathComponent().path,
                                               datasetSHA256: try data.checksum(), modelPath: path, modelSHA256: SHA256.hex(bytes))
                do {
                    let monitorKind = EnergyBench.MonitorKind(rawValue: kind.rawValue)!
                    var connection = try EnergyBench.connect(
                        interface: try openSerialPort(path: lab.interfacePath, baud: 115_200),
                        monitor: try lab.openMonitorDriver(),
                        settings: MonitorSettings(voltage: voltage, sampleRateHz: EnergyBench.sampleRate(monitorKind), edge: EnergyBench.edge(monitorKind)),
                        bootSeconds: 0.05, manifest: manifest)
                    connection.onClose = { lab.stop() }
                    return connection
                } catch {
                    lab.stop()
                    throw error
                }
            }
        }
        guard let interface, let monitor else {
            throw CLIError("energy mode needs --interface PORT and --monitor lpm01a:PORT|ppk2:PORT|js220 (or --emulated-lab)")
        }
        let (kind, monitorPort) = try EnergyBench.parseMonitor(monitor)
        return { benchmark, data in
            let modelSHA = try model.map { SHA256.hex(try readFile($0, what: "model")) }
            let manifest = SessionManifest(benchmark: benchmark.id, port: interface, baud: 115_200,
                                           device: "device behind the interface board on \(interface), powered by \(kind.rawValue.uppercased())" + (monitorPort.map { " on \($0)" } ?? " (USB)"),
                                           emulated: false, datasetPath: data.directory.deletingLastPathComponent().path,
                                           datasetSHA256: try data.checksum(), modelPath: model, modelSHA256: modelSHA)
            return try EnergyBench.connect(interface: try openSerialPort(path: interface, baud: 115_200),
                                           monitor: try EnergyBench.openMonitor(kind, port: monitorPort),
                                           settings: MonitorSettings(voltage: voltage, sampleRateHz: EnergyBench.sampleRate(kind), edge: EnergyBench.edge(kind)),
                                           bootSeconds: 1, manifest: manifest)
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

extension RunMode: ExpressibleByArgument {}
