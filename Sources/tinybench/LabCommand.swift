import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench lab --model M --benchmark kws01 [--monitor lpm01a|ppk2]`: the
/// emulated energy bench on two pseudo-terminals, for `tinybench --mode energy`
/// or any other tool.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Serve the emulated energy lab (interface board + monitor powering an emulated DUT) on pseudo-terminals.",
        discussion: """
            Prints `interface: <path>` and `monitor: <path>`, then serves until interrupted. The DUT \
            (TinyRuntime + the profile's cost model, energy timestamps) sits behind an emulated \
            STM32H573I-DK interface board at 9600 baud and is powered by an emulated LPM01A or PPK2 \
            whose samples follow the DUT's activity on its virtual timeline. Use it with \
            `tinybench kws --mode energy --interface <interface> --monitor lpm01a:<monitor>`.
            """)

    @Option(help: "The .tflite model the DUT runs.") var model: String
    @Option(help: "kws01, vww01, ad01 or ic01.") var benchmark: String
    @Option(help: "lpm01a or ppk2.") var monitor = "lpm01a"
    @Option(help: "Board profile (its active and idle power drive the monitor).") var profile = BoardProfile.nucleoL4R5ZITFLM.name

    func run() throws {
        detachFromParent()
        try reportingErrors {
            guard let bench = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)'") }
            guard let board = BoardProfile.named(profile) else { throw CLIError("unknown profile '\(profile)'") }
            guard let kind = LabServer.Monitor(rawValue: monitor.lowercased()), kind != .js220 else {
                throw CLIError(monitor.lowercased() == "js220"
                    ? "the JS220 is a USB device and cannot be served on a pseudo-terminal: use `tinybench <benchmark> --mode energy --emulated-lab --monitor js220`"
                    : "--monitor is lpm01a or ppk2")
            }
            let lab = try LabServer(model: try loadModel(model), benchmark: bench, monitor: kind, profile: board)
            lab.start()
            FileHandle.standardOutput.write(Data("interface: \(lab.interfacePath)\nmonitor: \(lab.monitorPath)\n".utf8))
            FileHandle.standardOutput.write(Data(String(format: "true energy (cost model): %.3f uJ/inf.\n", lab.lab.trueMicrojoulesPerInference).utf8))
            while true { Thread.sleep(forTimeInterval: 3600) }
        }
    }
}
