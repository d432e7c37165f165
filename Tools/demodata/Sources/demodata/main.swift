import ArgumentParser
import DemoData
import Foundation
import TinyBench

/// Writes the synthetic demo datasets (see Tools/demodata/README.md).
struct DemoDataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demodata",
        abstract: "Write TinyBench's synthetic demo datasets in the EEMBC layout.")

    @Option(help: "Output root; <out>/<benchmark>/ must not hold a dataset yet.")
    var out: String

    @Option(help: "test (the bundled set) or train (for Tools/train).")
    var split: String = "test"

    @Option(help: "Comma-separated benchmarks (kws01,vww01,ad01,ic01,sww01).")
    var benchmarks: String = "kws01,vww01,ad01,ic01"

    @Option(help: "Samples per benchmark (default: the bundled test-set size).")
    var count: Int?

    @Option(help: "Demo root whose models/kws01.tflite sets the kws01 feature quantization (default: the reference model's).")
    var models: String?

    @Flag(help: "sww01, test split: also write the demo stream's frame inputs and labels (windows.bin, labels.bin) for Tools/train.")
    var windows = false

    func run() throws {
        guard let split = DemoSplit(rawValue: split) else { throw ValidationError("--split must be test or train") }
        let root = URL(fileURLWithPath: out)
        for name in benchmarks.split(separator: ",") {
            if name == "sww01" {
                // Streams, not EEMBC samples: a WAV and truth file, or frame windows (Tools/demodata/README.md).
                let summary = try WakewordStreamGenerator.write(split: split, count: count ?? 60, windows: windows || split == .train, to: root)
                print("sww01: \(summary) in \(root.appendingPathComponent("sww01").path)")
                continue
            }
            guard let benchmark = Benchmark.named(String(name)) else { throw ValidationError("unknown benchmark '\(name)'") }
            let generator = try DemoGenerators.generator(for: benchmark, demoRoot: models.map { URL(fileURLWithPath: $0) })
            var writer = try DatasetWriter(root: root, benchmark: benchmark)
            let n = count ?? generator.defaultTestCount
            try generator.generate(split: split, count: n, into: &writer)
            try writer.finish()
            print("\(benchmark.id): \(writer.count) \(split.rawValue) samples in \(writer.directory.path)")
        }
    }
}

DemoDataCommand.main()
