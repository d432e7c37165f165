import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// `tinybench [options] <kws|vww|ad|ic>`: a benchmark run against a DUT on a
/// serial port, or against the in-process emulated DUT when no port is given.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an MLPerf Tiny benchmark (performance and/or accuracy) on a DUT or the emulated DUT.")

    @Argument(help: "Benchmark: kws, vww, ad or ic (kws01 etc. accepted).") var benchmark: String
    @Option(help: "Serial port of the DUT (without it, the emulated DUT runs in-process).") var port: String?
    @Option(help: "Baud rate of the serial port.") var baud = 115_200
    @Option(help: "performance, accuracy or all.") var mode: RunMode = .all
    @Option(help: "Dataset root in the EEMBC layout (<dir>/<kws01|...>/y_labels.csv).") var dataset: String?
    @Option(help: "The .tflite model the emulated DUT runs.") var model: String?
    @Option(help: "Board profile of the emulated DUT.") var profile = BoardProfile.nucleoL4R5ZITFLM.name
    @Option(help: "Session output folder.") var output = "sessions/latest"
    @Option(help: "Minimum DUT seconds per performance window (below 10 the run is marked non-compliant).")
    var minWindowSeconds = 10.0

    func run() throws {
        try reportingErrors {
            guard let bench = Benchmark.named(benchmark) else {
                throw CLIError("unknown benchmark '\(benchmark)': use kws, vww, ad or ic")
            }
            guard let datasetPath = dataset else {
                throw CLIError("--dataset is required until the bundled demo data exists")
            }
            let data = try Dataset(root: URL(fileURLWithPath: datasetPath), benchmark: bench)
            var settings = SessionSettings()
            settings.mode = mode
            settings.minWindowSeconds = minWindowSeconds
            settings.targetWindowSeconds = max(minWindowSeconds * 1.5, 0.001)
            let transport: Transport
            let manifest: SessionManifest
            var modelSHA: String?
            if let model { modelSHA = SHA256.hex(try readFile(model, what: "model")) }
            if let port {
                transport = try openSerialPort(path: port, baud: baud)
                manifest = SessionManifest(benchmark: bench.id, port: port, baud: baud, device: "device on \(port)", emulated: false,
                                           datasetPath: datasetPath, datasetSHA256: try data.checksum(), modelPath: model, modelSHA256: modelSHA)
            } else {
                guard let model else { throw CLIError("without --port the emulated DUT needs --model MODEL.tflite") }
                guard let board = BoardProfile.named(profile) else {
                    throw CLIError("unknown profile '\(profile)': \(BoardProfile.all.map(\.name).joined(separator: ", "))")
                }
                let dut = try EmulatedDUT(model: try loadModel(model), benchmark: bench, profile: board)
                transport = EmulatedTransport(dut: dut)
                manifest = SessionManifest(benchmark: bench.id, port: "in-process", baud: nil,
                                           device: "emulated (TinyRuntime + cost model of \(board.name))", emulated: true,
                                           datasetPath: datasetPath, datasetSHA256: try data.checksum(), modelPath: model, modelSHA256: modelSHA)
            }
            defer { transport.close() }
            let client = DUTClient(transport: transport)
            let boot = LineReaderBoot.drain(transport)
            let session = Session(client: client, benchmark: bench, dataset: data, settings: settings, manifest: manifest,
                                  output: URL(fileURLWithPath: output))
            session.progress = { ProgressBar.standardError.update(done: $0, total: $1, label: $2) }
            let results = try session.run(bootLines: boot)
            ProgressBar.standardError.finish()
            let final = session.manifest
            print("\(bench.id) on \(final.device)\(final.emulated ? " — latency is emulated (cost model), not measured" : "")")
            for r in results {
                print("  \(r.mode.rawValue): " + r.summary.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
                print("    \(r.folder.path)")
            }
        }
    }
}

/// Reads what a DUT prints right after the port opens (a boot banner, if any).
enum LineReaderBoot {
    static func drain(_ transport: Transport) -> [String] {
        var reader = LineReader()
        var lines = [String]()
        while let bytes = try? transport.read(timeout: .milliseconds(200)), !bytes.isEmpty {
            lines += reader.feed(bytes)
        }
        return lines
    }
}

extension RunMode: ExpressibleByArgument {}
