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
            Prints `interface: <path>` and `monitor: <path>`, then serves until interrupted (SIGINT or \
            SIGTERM; with --exit-with-parent also until the process that started it exits). The DUT \
            (TinyRuntime + the profile's cost model, energy timestamps) sits behind an emulated \
            STM32H573I-DK interface board at 9600 baud and is powered by an emulated LPM01A or PPK2 \
            whose samples follow the DUT's activity on its virtual timeline. Use it with \
            `tinybench kws --mode energy --interface <interface> --monitor lpm01a:<monitor>`.

            Examples:
              tinybench lab --model ad01.tflite --benchmark ad --monitor ppk2
              tinybench ad --mode energy --interface /dev/pts/6 --monitor ppk2:/dev/pts/7
            """)

    @Option(help: "The .tflite model the DUT runs.") var model: String
    @Option(help: "kws01, vww01, ad01, ic01 or ic02.") var benchmark: Benchmark
    @Option(help: "lpm01a or ppk2.") var monitor = MonitorKind.lpm01a
    @Option(help: "Board profile (its active and idle power drive the monitor).") var profile = BoardProfile.nucleoL4R5ZITFLM
    @OptionGroup var lifetime: ServerLifetime

    func validate() throws {
        guard !monitor.isUSB else {
            throw ValidationError("the JS220 is a USB device and cannot be served on a pseudo-terminal: use `tinybench <benchmark> --mode energy --emulated-lab --monitor js220`")
        }
    }

    func run() throws {
        lifetime.detach()
        try reportingErrors {
            let lab = try LabServer(model: try loadModel(model), benchmark: benchmark, monitor: monitor, profile: profile)
            lab.start()
            Console.write("interface: \(lab.interfacePath)\nmonitor: \(lab.monitorPath)\n")
            Console.write(String(format: "true energy (cost model): %.3f uJ/inf.\n", lab.lab.trueMicrojoulesPerInference))
            while true { Thread.sleep(forTimeInterval: 3600) }
        }
    }
}
