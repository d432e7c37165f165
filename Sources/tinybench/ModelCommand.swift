import ArgumentParser
import Foundation
import TinyBench
import TinyRuntime

/// `tinybench model ...`: work with a .tflite model on the emulated runtime.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, run and time a .tflite model on TinyRuntime (the emulator's int8 engine).",
        discussion: """
            Examples:
              tinybench model inspect Datasets/demo/models/kws01.tflite
              tinybench model run kws01.tflite --input 000.in --output 000.out
              tinybench model bench Datasets/demo/models/vww01.tflite --json
            """,
        subcommands: [Inspect.self, Run.self, Bench.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Operators, shapes, MACs, weights and arena size of a model.",
            discussion: """
                Examples:
                  tinybench model inspect Datasets/demo/models/kws01.tflite
                  tinybench model inspect Datasets/demo/models/ic02.tflite --json
                """)
        @Argument(help: "The .tflite model.") var model: String
        @Flag(help: "Print one JSON object with keys `operators` and `totals`.") var json = false

        func run() throws {
            try reportingErrors {
                let report = ModelReport(model: try loadModel(model))
                print(json ? try report.json() : report.table())
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run one inference: raw input tensor bytes in, raw output tensor bytes out.",
            discussion: """
                The input file holds the raw bytes of the input tensor (row-major, in the tensor's own \
                type: int8 for the MLPerf Tiny models); a model with several inputs takes them back to \
                back in graph order. The output is the raw bytes of the output tensor(s), likewise.

                Examples:
                  tinybench model run kws01.tflite --input 000.in
                  tinybench model run kws01.tflite --input 000.in --output 000.out
                """)
        @Argument(help: "The .tflite model.") var model: String
        @Option(help: "File with the raw bytes of the input tensor.") var input: String
        @Option(help: "Write the raw output tensor bytes here (default: hex on standard output, one line per output).")
        var output: String?

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(model: try loadModel(model))
                let outputs = try RawInference.run(interpreter, input: try readFile(input, what: "input"),
                                                   source: "input file \(input)")
                if let output {
                    try FileIO.write(Data(outputs.joined()), to: URL(fileURLWithPath: output))
                } else {
                    print(RawInference.hex(outputs))
                }
            }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench",
            abstract: "Host time per inference of TinyRuntime on this machine (not microcontroller time).",
            discussion: """
                Times Interpreter.invoke() on one thread with a monotonic clock, after untimed warm-up \
                runs, on an all-zero input. This is the speed of the emulator runtime on the host; the \
                latency of a board comes from a real DUT or from the emulated DUT's cost model.

                Examples:
                  tinybench model bench Datasets/demo/models/ic01.tflite
                  tinybench model bench ad01.tflite --iterations 5000 --warmup 100 --json
                """)
        @Argument(help: "The .tflite model.") var model: String
        @Option(help: "Timed inferences, 1 to 10000000.") var iterations = 1000
        @Option(help: "Untimed inferences before timing starts, 0 to 1000000.") var warmup = 10
        @Flag(help: "Print JSON with medianMicroseconds, p10Microseconds, p90Microseconds, iterations.") var json = false

        func validate() throws {
            // Bounds keep the timing array and the run's length sane (ten million inferences of the smallest model take minutes).
            try require("--iterations", iterations, in: 1...10_000_000)
            try require("--warmup", warmup, in: 0...1_000_000)
        }

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(model: try loadModel(model))
                let timing = InferenceTiming.measure(interpreter, iterations: iterations, warmup: warmup)
                print(json ? try timing.json() : timing.summary())
            }
        }
    }
}

func loadModel(_ path: String) throws -> Model {
    try ModelFile(path: path).model()
}
