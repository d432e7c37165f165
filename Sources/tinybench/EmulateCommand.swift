import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench emulate --model M --benchmark kws01 --pty`: an emulated DUT on a
/// new pseudo-terminal, for any tool that talks to a serial port.
struct EmulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve an emulated DUT (TinyRuntime + cost model) on a pseudo-terminal until interrupted.")

    @Option(help: "The .tflite model the DUT runs.") var model: String
    @Option(help: "kws01, vww01, ad01 or ic01.") var benchmark: String
    @Option(help: "Board profile.") var profile = BoardProfile.nucleoL4R5ZITFLM.name
    @Flag(help: "Serve on a pseudo-terminal (the only transport so far); its path is the first line printed.") var pty = false

    func run() throws {
        try reportingErrors {
            guard pty else { throw CLIError("--pty is required: it is the only way to serve an emulated DUT so far") }
            guard let bench = Benchmark.named(benchmark) else { throw CLIError("unknown benchmark '\(benchmark)'") }
            guard let board = BoardProfile.named(profile) else { throw CLIError("unknown profile '\(profile)'") }
            let dut = try EmulatedDUT(model: try loadModel(model), benchmark: bench, profile: board)
            let server = try PseudoTerminalServer(dut: dut)
            // Written unbuffered so a parent process sees the path at once.
            FileHandle.standardOutput.write(Data("pty: \(server.path)\n".utf8))
            try? server.terminal.host.write(dut.boot())
            server.serve()
        }
    }
}
