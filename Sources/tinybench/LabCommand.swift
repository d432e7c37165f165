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

            With --benchmark sww01 the lab is the streaming wakeword bench (Docs/sww.md): the \
            reference sww DUT behind the enhanced board, whose SD card is --sd-card (default: the \
            bundled demo stream's folder), timed by the nucleo-l4r5zi-optimized profile unless \
            --profile says otherwise, powered without a monitor unless --monitor is given; for \
            `tinybench sww --interface <interface>` or the MLCommons runner (Docs/interop.md).

            Examples:
              tinybench lab --model ad01.tflite --benchmark ad --monitor ppk2
              tinybench ad --mode energy --interface /dev/pts/6 --monitor ppk2:/dev/pts/7
              tinybench lab --model Datasets/demo/models/sww01.tflite --benchmark sww01
            """)

    @Option(help: "The .tflite model the DUT runs.") var model: String
    @Option(help: "kws01, vww01, ad01, ic01, ic02 or sww01.") var benchmark: Benchmark
    @Option(help: "lpm01a or ppk2 (default lpm01a; sww01: none, the DUT powered from the start).") var monitor: MonitorKind?
    @Option(help: "Board profile (its active and idle power drive the monitor; default nucleo-l4r5zi-tflm, sww01: nucleo-l4r5zi-optimized).")
    var profile: BoardProfile?
    @Option(help: "sww01: the folder the board's SD card holds (default: the bundled demo stream's).") var sdCard: String?
    @OptionGroup var lifetime: ServerLifetime

    func validate() throws {
        if sdCard != nil && benchmark != .sww01 { throw ValidationError("--sd-card is the sww01 bench's: give --benchmark sww01") }
        guard monitor?.isUSB != true else {
            throw ValidationError("the JS220 is a USB device and cannot be served on a pseudo-terminal: use `tinybench <benchmark> --mode energy --emulated-lab --monitor js220`")
        }
    }

    func run() throws {
        lifetime.detach()
        try reportingErrors {
            if benchmark == .sww01 {
                guard let card = sdCard.map({ URL(fileURLWithPath: $0) }) ?? DemoData.locate()?.appendingPathComponent("sww01") else {
                    throw CLIError("no --sd-card given and the bundled demo stream (Datasets/demo/sww01) was not found (\(DemoData.searchDescription()))")
                }
                let bench = try EmulatedWakewordBench(model: try loadModel(model), sdCard: card, profile: profile ?? .nucleoL4R5ZIOptimized,
                                                      monitor: monitor)
                bench.start()
                Console.write("interface: \(bench.interfacePath)\n" + (monitor == nil ? "" : "monitor: \(bench.server.monitorPath)\n"))
                Console.write(String(format: "sww01 frame (cost model): %.3f ms", bench.dut.inferenceMicroseconds / 1000) + "; SD card: \(card.path)\n")
            } else {
                let lab = try LabServer(model: try loadModel(model), benchmark: benchmark, monitor: monitor ?? .lpm01a,
                                        profile: profile ?? .nucleoL4R5ZITFLM)
                lab.start()
                Console.write("interface: \(lab.interfacePath)\nmonitor: \(lab.monitorPath)\n")
                Console.write(String(format: "true energy (cost model): %.3f uJ/inf.\n", lab.lab.trueMicrojoulesPerInference))
            }
            while true { Thread.sleep(forTimeInterval: 3600) }
        }
    }
}
