import ArgumentParser
import Foundation
import TinyBench

/// `tinybench firmware generate`: a model compiled ahead of time into C for the TinyBench firmware.
struct FirmwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Build support for the TinyBench DUT firmware (Firmware/).",
        subcommands: [Generate.self])

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
}
