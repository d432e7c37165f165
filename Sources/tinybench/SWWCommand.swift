import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench sww`: the streaming wakeword benchmark (sww01) as the MLCommons
/// runner runs it, on the emulated bench or on a real enhanced interface board.
struct SWWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sww",
        abstract: "Run the streaming wakeword benchmark (sww01): play streams through the interface board and score the DUT's detections.",
        discussion: """
            For each stream of the truth file (the runner's sww_*_test.json), the DUT is told to \
            `start`, the enhanced interface board records its pins and plays the WAV from its SD \
            card, then the DUT is stopped and the board's detection timestamps and processing-pin \
            edges are scored as the runner scores them (Docs/sww.md). Writes \
            <session>/sww/performance/{results.txt,results.json,log.txt} (sww/energy/ with \
            --monitor, with energy_inf_000.png): results.txt has the \
            lines the submission checker reads (Accuracy, Average duty cycle, Estimated \
            throughput); and <session>/report.html, with each stream's detections against its \
            truth windows. Without --interface the bench is emulated (the reference DUT's pipeline on \
            TinyRuntime, its timing a cost model, labelled so), its SD card a folder; with no \
            options it plays the bundled demo stream to the demo model. Exit status 1 when a \
            stream cannot be played or scored.

            Examples:
              tinybench sww
              tinybench sww --monitor ppk2
              tinybench sww --interface /dev/ttyACM0 --truth sww_long_test.json
            """)

    @Option(help: "The runner's truth file (a JSON list of wav_file, length_sec, detection_windows); default: the demo stream's.")
    var truth: String?
    @Option(help: "Play only this WAV of the truth file.") var stream: String?
    @Option(help: "Emulated bench: the .tflite model the DUT runs (default: the demo sww01 model).") var model: String?
    @Option(help: "Emulated bench: the folder the board's SD card holds (default: the truth file's folder).") var sdCard: String?
    @Option(help: "Emulated bench: board profile for the modelled timing (the reference sww01 firmware runs optimised kernels; with nucleo-l4r5zi-tflm a frame takes longer than 32 ms and audio is lost).")
    var profile = BoardProfile.nucleoL4R5ZIOptimized
    @Option(help: "A real STM32H573I-DK enhanced interface board's serial port; the DUT is reached through it unless --port is given.")
    var interface: String?
    @Option(help: "Baud rate of the interface board.") var interfaceBaud = 115_200
    @Option(help: "With --interface: the DUT's own serial port, instead of the board's `dut` passthrough.") var port: String?
    @Option(help: "Baud rate of the DUT's port.") var baud = 115_200
    @Option(help: "With --interface: the rate the board must talk to the DUT at; when `checkbaud` reports another, `setbaud` (the board stores it and resets), as the runner's sync_baud.")
    var dutBaud: Int?
    @Option(help: "Energy mode: the monitor powering the DUT, lpm01a:PORT, ppk2:PORT or js220 with --interface; lpm01a, ppk2 or js220 on the emulated bench. Results go to sww/energy/ with the power line and energy_inf_000.png.",
            transform: { try MonitorSpec.parse($0, portRequired: false) })
    var monitor: MonitorSpec?
    @Option(help: "Energy mode: the DUT's supply voltage (the runner's sww bench: 3.3 V).") var voltage = 3.3
    @Option(help: "Session output folder (default: a new sessions/<date>_<time>).") var output: String?
    @Flag(help: "Print results.json on standard output; progress goes to standard error.") var json = false

    func validate() throws {
        try require("--voltage", voltage, in: 0.8...5, "volts")
        if let monitor, interface != nil, !monitor.kind.isUSB, monitor.port == nil {
            throw ValidationError("\(monitor.kind.rawValue) needs its serial port beside a real board: --monitor \(monitor.kind.rawValue):/dev/ttyACM1")
        }
        if interface == nil && dutBaud != nil { throw ValidationError("--dut-baud sets a real --interface board's DUT link: give --interface too") }
        if interface == nil && port != nil { throw ValidationError("--port is the DUT's port beside a real --interface board: give --interface too") }
        if interface != nil && (model != nil || sdCard != nil) {
            throw ValidationError("--model and --sd-card describe the emulated bench; a real board plays from its own SD card with the DUT's firmware")
        }
    }

    func run() throws {
        try reportingErrors {
            let demo = DemoData.locate()?.appendingPathComponent("sww01")
            let truthURL: URL
            if let truth {
                truthURL = URL(fileURLWithPath: truth)
            } else if let demo, let found = try? FileManager.default.contentsOfDirectory(atPath: demo.path).first(where: { $0.hasSuffix(".json") }) {
                truthURL = demo.appendingPathComponent(found)
            } else {
                throw CLIError("no --truth given and the bundled demo stream (Datasets/demo/sww01) was not found (\(DemoData.searchDescription()))")
            }
            let session = try output.map { URL(fileURLWithPath: $0) } ?? SessionFolder.createNew(under: URL(fileURLWithPath: "sessions"))
            let json = self.json
            let inform: @Sendable (String) -> Void = { line in if json { Console.error(line + "\n") } else { Console.write(line + "\n") } }
            let results: WakewordResults
            if let interface {
                let board = try InterfaceBoard(transport: try openSerialPort(path: interface, baud: interfaceBaud))
                defer { board.transport.close() }
                if let dutBaud, try board.syncDUTBaud(dutBaud) { inform("interface board: DUT link set to \(dutBaud) baud (the board reset)") }
                let dutTransport = try port.map { try openSerialPort(path: $0, baud: baud) } ?? board.dutTransport()
                var run = WakewordSession(board: board, dut: DUTClient(transport: dutTransport), truthURL: truthURL, stream: stream)
                run.progress = inform
                let driver = try monitor.map { spec in
                    var spec = spec
                    spec.settings.voltage = voltage
                    let driver = try spec.open()
                    try driver.configure(spec.settings)
                    return driver
                }
                defer { driver?.close() }
                run.monitor = driver
                // A DUT that describes itself (TinyBench's tb-device: an emulated one) is labelled as it says; the reference firmware does not.
                let device = try run.dut.deviceDescription() ?? .board(on: port ?? "\(interface) (passthrough)")
                results = try run.run(session: session, device: device,
                                      interface: "\(board.name) on \(interface)", dutEndpoint: dutTransport.endpoint)
            } else {
                let modelPath = try model ?? demo.map { $0.deletingLastPathComponent().appendingPathComponent("models/sww01.tflite").path }
                    ?? { throw CLIError("no --model given and the bundled demo model was not found") }()
                let bench = try EmulatedWakewordBench(model: try loadModel(modelPath),
                                                      sdCard: sdCard.map { URL(fileURLWithPath: $0) } ?? truthURL.deletingLastPathComponent(),
                                                      profile: profile, monitor: monitor?.kind)
                bench.start()
                defer { bench.stop() }
                let board = try InterfaceBoard(transport: try openSerialPort(path: bench.interfacePath, baud: interfaceBaud))
                defer { board.transport.close() }
                var run = WakewordSession(board: board, dut: DUTClient(transport: board.dutTransport()), truthURL: truthURL, stream: stream)
                run.progress = inform
                let driver = try monitor.map { spec in
                    let driver = try bench.server.openMonitorDriver()
                    var settings = spec.settings
                    settings.voltage = voltage
                    try driver.configure(settings)
                    return driver
                }
                defer { driver?.close() }
                run.monitor = driver
                let bytes = try readFile(modelPath, what: "model")
                results = try run.run(session: session, device: bench.device, interface: "\(board.name) (emulated) on \(bench.interfacePath)",
                                      dutEndpoint: "emulated sww01 DUT behind the board", model: (modelPath, Checksum.sha256(bytes)))
            }
            let folder = WakewordResults.folder(in: session, mode: monitor == nil ? .performance : .energy)
            if json {
                Console.write(String(decoding: try JSONOutput.encoder().encode(results), as: UTF8.self) + "\n")
            } else {
                Console.write(results.resultLines.joined(separator: "\n") + "\n")
            }
            inform("results: \(folder.path)")
            inform("report: \(try HTMLReport.withModelledLayers(SessionFolder(url: session)).write().path)")
            for problem in results.closedDivisionProblems { inform("note (closed division): \(problem)") }
        }
    }
}
