import ArgumentParser
import Foundation
import TinyBench

/// `tinybench firmware generate`: a model compiled ahead of time into C for the TinyBench firmware.
struct FirmwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Build support for the TinyBench DUT firmware (Firmware/).",
        discussion: """
            Examples:
              tinybench firmware generate --model kws01.tflite --benchmark kws --out gen
              tinybench firmware check --qemu kws.elf --model kws01.tflite \\
                  --benchmark kws --cases cases
            """,
        subcommands: [Generate.self, Check.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Write <out>/model.c: the model's weights and prepared layers for Firmware/runtime.",
            discussion: """
                Then build with `make -C Firmware` (Docs/firmware.md).

                Examples:
                  tinybench firmware generate --model kws01.tflite --benchmark kws --out gen
                  make -C Firmware MODEL_C=$PWD/gen/model.c OUT=$PWD/build/kws
                """)

        @Option(help: "The int8 .tflite model.") var model: String
        @Option(help: "Benchmark the firmware reports (kws01, vww01, ad01, ic01, ic02).") var benchmark: Benchmark
        @Option(help: "Output folder.") var out: String

        func run() throws {
            try reportingErrors {
                let bench = benchmark
                let generator = try FirmwareGenerator(modelBytes: readFile(model, what: "model"), benchmark: bench,
                                                      origin: URL(fileURLWithPath: model).lastPathComponent)
                let (text, arena) = try generator.source()
                let folder = URL(fileURLWithPath: out)
                try FileIO.createDirectory(folder)
                try FileIO.write(Data(text.utf8), to: folder.appendingPathComponent("model.c"))
                print("\(bench.id): \(folder.appendingPathComponent("model.c").path) (arena \(arena) bytes)")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Run golden cases (NNN.in/NNN.out) on a DUT through the protocol and compare its tb-raw output byte for byte.",
            discussion: """
                Examples:
                  tinybench firmware check --qemu kws.elf --model kws01.tflite \\
                      --benchmark kws --cases cases
                  tinybench firmware check --port /dev/ttyACM0 --model kws01.tflite \\
                      --benchmark kws --cases cases
                  tinybench firmware check --model kws01.tflite --benchmark kws --cases cases
                """)

        @Option(help: "The model the DUT runs (for its input quantization; the emulated DUT runs it).") var model: String
        @Option(help: "Benchmark (kws01, vww01, ad01, ic01, ic02).") var benchmark: Benchmark
        @Option(help: "Folder of NNN.in / NNN.out cases.") var cases: String
        @OptionGroup(title: "Connection") var connection: ConnectionOptions

        func validate() throws {
            guard connection.ports.count <= 1 else { throw ValidationError("give one DUT: one --port, --qemu, or neither for the emulated DUT") }
        }

        func run() throws {
            try reportingErrors {
                let bench = benchmark
                let connectors = try connection.bench(mode: .accuracy, energy: nil, model: model).connectors()
                guard connectors.count == 1 else { throw UsageError("give one DUT: one --port, --qemu, or neither for the emulated DUT") }
                let dut = try connectors[0].connect(bench)
                defer { dut.close() }
                let transport = dut.transport
                let client = DUTClient(transport: transport)
                let identity = try client.identify(bootLines: dut.bootLines)
                guard identity.model == bench.id else { throw CLIError("the DUT runs \(identity.model), not \(bench.id)") }
                let check = ConformanceCheck(benchmark: bench, model: try loadModel(model))
                let reporter = ProgressReporter.standardError()
                let (checked, differences) = try check.run(client: client, cases: URL(fileURLWithPath: cases)) {
                    reporter.update(done: $0, total: $1, label: "\(bench.id) cases")
                }
                reporter.finish()
                for d in differences.prefix(10) {
                    print("\(d.name): expected \(d.expected.map { String(format: "%02x", $0) }.joined()), got \(d.actual.map { String(format: "%02x", $0) }.joined())")
                }
                print("\(bench.id): \(checked - differences.count) of \(checked) cases identical on \(dut.device.summary)")
                if !differences.isEmpty { throw ExitCode.failure }
            }
        }
    }
}
