import ArgumentParser
import Foundation
import TinyBench
import TinyRuntime

/// `tinybench dataset prepare`: the EEMBC layout from the public raw data.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Prepare benchmark datasets in the EEMBC layout.",
        discussion: """
            Examples:
              tinybench dataset prepare kws --from speech --out data --model kws01.tflite
              tinybench dataset prepare ic --from cifar-10-batches-py --out data
            """,
        subcommands: [Prepare.self])

    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prepare",
            abstract: "Convert public raw data (Speech Commands, VWW/COCO images, ToyADMOS, CIFAR-10, the runner's sww streams) to <out>/<benchmark>/.",
            discussion: """
                See Docs/datasets.md, "Preparing the real datasets", for each source layout and conversion.

                Examples:
                  tinybench dataset prepare kws --from speech --out data --model kws01.tflite
                  tinybench dataset prepare vww --from vw_coco2014_96 --out data
                  tinybench dataset prepare sww --from sww_data_dir --out data
                """)

        @Argument(help: "kws, vww, ad, ic or sww.") var benchmark: PreparedBenchmark
        @Option(help: "Folder (or file) of the raw data.") var from: String
        @Option(help: "Output root; <out>/<benchmark>/ must not hold a dataset yet.") var out: String
        @Option(help: "kws: the model whose int8 input scale and zero point quantize the features.") var model: String?
        @Option(help: "vww, ad, ic: a MLPerf Tiny y_labels.csv; exactly its files are written, in its order, with its labels.")
        var labels: String?

        func validate() throws {
            if benchmark == .sww && (model != nil || labels != nil) {
                throw ValidationError("sww streams are copied with their truth files: --model and --labels do not apply")
            }
        }

        func run() throws {
            try reportingErrors {
                guard case .file(let benchmark) = benchmark else {
                    let preparer = WakewordStreamPreparer(source: URL(fileURLWithPath: from), output: URL(fileURLWithPath: out))
                    let (prepared, skipped) = try preparer.prepare()
                    for p in prepared { print("sww01: \(p.truthFile) with \(p.streams.joined(separator: ", ")) in \(preparer.destination.path)") }
                    for s in skipped { print("sww01: \(s) skipped: none of its WAVs are in \(from)") }
                    return
                }
                var preparer = DatasetPreparer(benchmark: benchmark, source: URL(fileURLWithPath: from), output: URL(fileURLWithPath: out))
                let reporter = ProgressReporter.standardError()
                preparer.progress = { reporter.update(done: $0, total: $1, label: "\(benchmark.id) samples") }
                let count = try preparer.prepare(labels: try labels.map { try DatasetPreparer.labelList(URL(fileURLWithPath: $0)) },
                                                 model: try model.map(loadModel))
                reporter.finish()
                print("\(benchmark.id): \(count) samples in \(URL(fileURLWithPath: out).appendingPathComponent(benchmark.datasetFolder).path)")
            }
        }
    }
}

/// What `dataset prepare` prepares: a file-based benchmark's samples, or sww01's streams.
enum PreparedBenchmark: ExpressibleByArgument, Equatable {
    case file(Benchmark)
    case sww

    init?(argument: String) {
        if ["sww", "sww01"].contains(argument.lowercased()) {
            self = .sww
        } else if let b = Benchmark(argument: argument) {
            self = .file(b)
        } else {
            return nil
        }
    }
}
