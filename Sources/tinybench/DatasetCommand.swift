import ArgumentParser
import Foundation
import TinyBench
import TinyRuntime

/// `tinybench dataset prepare`: the EEMBC layout from the public raw data.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Prepare benchmark datasets in the EEMBC layout.",
        subcommands: [Prepare.self])

    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert public raw data (Speech Commands, VWW/COCO images, ToyADMOS, CIFAR-10) to <out>/<benchmark>/.",
            discussion: "See Docs/datasets.md, \"Preparing the real datasets\", for each source layout and conversion.")

        @Argument(help: "kws, vww, ad or ic.") var benchmark: String
        @Option(help: "Folder (or file) of the raw data.") var from: String
        @Option(help: "Output root; <out>/<benchmark>/ must not hold a dataset yet.") var out: String
        @Option(help: "kws: the model whose int8 input scale and zero point quantize the features.") var model: String?
        @Option(help: "vww, ad, ic: a MLPerf Tiny y_labels.csv; exactly its files are written, in its order, with its labels.")
        var labels: String?

        func run() throws {
            try reportingErrors {
                guard let bench = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)': use kws, vww, ad or ic") }
                var preparer = DatasetPreparer(benchmark: bench, source: URL(fileURLWithPath: from), output: URL(fileURLWithPath: out))
                preparer.progress = { ProgressBar.standardError.update(done: $0, total: $1, label: "\(bench.id) samples") }
                let list = try labels.map { try DatasetPreparer.labelList(URL(fileURLWithPath: $0)) }
                let count: Int
                switch bench.id {
                case "kws01":
                    guard list == nil else {
                        throw CLIError("the kws01 list names files by their position in TensorFlow Datasets' test stream, which cannot be matched to wav files; omit --labels (Docs/datasets.md)")
                    }
                    guard let model else { throw CLIError("kws features are quantized with a model's input parameters: pass --model MODEL.tflite") }
                    let m = try loadModel(model)
                    let input = m.main.tensors[m.main.inputs[0]]
                    guard let q = input.quantization, input.type == .int8 else { throw CLIError("model \(model) has no int8 quantized input") }
                    count = try preparer.prepareKeywordSpotting(inputScale: q.scale, inputZeroPoint: q.zeroPoint)
                case "vww01":
                    count = try preparer.prepareVisualWakeWords(labels: list)
                case "ad01":
                    count = try preparer.prepareAnomalyDetection(labels: list)
                default:
                    count = try preparer.prepareImageClassification(labels: list)
                }
                ProgressBar.standardError.finish()
                print("\(bench.id): \(count) samples in \(URL(fileURLWithPath: out).appendingPathComponent(bench.id).path)")
            }
        }
    }
}
