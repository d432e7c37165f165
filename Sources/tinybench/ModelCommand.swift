import ArgumentParser

/// `tinybench model ...`: work with a .tflite model on the emulated runtime.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, run and time a .tflite model on TinyRuntime.",
        subcommands: []
    )
}
