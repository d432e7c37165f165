import ArgumentParser
import Foundation
import TinyBench

/// `tinybench firmware generate`: a model compiled ahead of time into C for the TinyBench firmware.
struct FirmwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Build support for the TinyBench DUT firmware (Firmware/).",
        subcommands: [Generate.self, Check.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write <out>/model.c: the model's weights and prepared layers for Firmware/runtime.")

        @Option(help: "The int8 .tflite model.") var model: String
        @Option(help: "Benchmark the firmware reports (kws01, vww01, ad01, ic01).") var benchmark: String
        @Option(help: "Output folder.") var out: String

        func run() throws {
            try reportingErrors {
                guard let bench = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)'") }
                let generator = try FirmwareGenerator(modelBytes: readFile(model, what: "model"), benchmark: bench,
                                                      origin: URL(fileURLWithPath: model).lastPathComponent)
                let (text, arena) = try generator.source()
                let folder = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: folder.appendingPathComponent("model.c"))
                print("\(bench.id): \(folder.appendingPathComponent("model.c").path) (arena \(arena) bytes)")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run golden cases (NNN.in/NNN.out) on a DUT through the protocol and compare its tb-raw output byte for byte.")

        @Option(help: "The model the DUT runs (for its input quantization).") var model: String
        @Option(help: "Benchmark (kws01, vww01, ad01, ic01).") var benchmark: String
        @Option(help: "Folder of NNN.in / NNN.out cases.") var cases: String
        @Option(help: "Firmware (.elf) to run under QEMU.") var qemu: String?
        @Option(help: "Serial port of a DUT running TinyBench firmware.") var port: String?
        @Option(help: "Baud rate of the serial port.") var baud = 115_200

        func run() throws {
            try reportingErrors {
                guard let bench = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)'") }
                let transport: any Transport
                switch (qemu, port) {
                case let (firmware?, nil): transport = try QEMUDevice(firmware: firmware)
                case let (nil, path?): transport = try openSerialPort(path: path, baud: baud)
                default: throw CLIError("give exactly one of --qemu FIRMWARE.elf and --port PORT")
                }
                defer { transport.close() }
                let client = DUTClient(transport: transport)
                _ = DUTClient.bootBanner(transport)
                let identity = try client.identify()
                guard identity.model == bench.id else { throw CLIError("the DUT runs \(identity.model), not \(bench.id)") }
                let check = ConformanceCheck(benchmark: bench, model: try loadModel(model))
                let (checked, differences) = try check.run(client: client, cases: URL(fileURLWithPath: cases)) {
                    ProgressBar.standardError.update(done: $0, total: $1, label: "\(bench.id) cases")
                }
                ProgressBar.standardError.finish()
                for d in differences.prefix(10) {
                    print("\(d.name): expected \(d.expected.map { String(format: "%02x", $0) }.joined()), got \(d.actual.map { String(format: "%02x", $0) }.joined())")
                }
                print("\(bench.id): \(checked - differences.count) of \(checked) cases identical on \(transport.endpoint)")
                if !differences.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
