import ArgumentParser
import Foundation
import TinyBench
import TinyRuntime

/// `tinybench model ...`: work with a .tflite model on the emulated runtime.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, run and time a .tflite model on TinyRuntime (the emulator's int8 engine).",
        subcommands: [Inspect.self, Run.self, Bench.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Operators, shapes, MACs, weights and arena size of a model.")
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
            abstract: "Run one inference: raw input tensor bytes in, raw output tensor bytes out.")
        @Argument(help: "The .tflite model.") var model: String
        @Option(help: "File with the raw bytes of input tensor 0.") var input: String
        @Option(help: "Write the raw output tensor bytes here (default: hex on standard output).") var output: String?

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(model: try loadModel(model))
                let bytes = try readFile(input, what: "input")
                try interpreter.setInput(bytes)
                interpreter.invoke()
                let result = try interpreter.output()
                if let output {
                    do {
                        try Data(result).write(to: URL(fileURLWithPath: output))
                    } catch {
                        throw CLIError("cannot write \(output): \(error.localizedDescription)")
                    }
                } else {
                    print(result.map { String(format: "%02x", $0) }.joined())
                }
            }
        }
    }

    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Host time per inference of TinyRuntime on this machine (not microcontroller time).")
        @Argument(help: "The .tflite model.") var model: String
        @Option(help: "Timed inferences (after 10 untimed warm-up runs).") var iterations = 1000
        @Flag(help: "Print JSON with medianMicroseconds, p10Microseconds, p90Microseconds, iterations.") var json = false

        func validate() throws {
            guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        }

        func run() throws {
            try reportingErrors {
                let interpreter = try Interpreter(model: try loadModel(model))
                let timing = InferenceTiming.measure(interpreter, iterations: iterations)
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                    print(String(decoding: try encoder.encode(timing), as: UTF8.self))
                } else {
                    print(String(format: "host time per inference (TinyRuntime emulator, single thread, %d runs): median %.1f us, p10 %.1f us, p90 %.1f us",
                                 timing.iterations, timing.medianMicroseconds, timing.p10Microseconds, timing.p90Microseconds))
                }
            }
        }
    }
}

func loadModel(_ path: String) throws -> Model {
    try Model(bytes: readFile(path, what: "model"))
}
