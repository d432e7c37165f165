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
    @Option(help: "kws01, vww01, ad01, ic01 or ic02.") var benchmark: Benchmark
    @Option(help: "Board profile.") var profile = BoardProfile.nucleoL4R5ZITFLM
    @Flag(help: "Serve on a pseudo-terminal (the only transport so far); its path is the first line printed.") var pty = false

    func run() throws {
        detachFromParent()
        try reportingErrors {
            guard pty else { throw CLIError("--pty is required: it is the only way to serve an emulated DUT so far") }
            let dut = try EmulatedDUT(model: try loadModel(model), benchmark: benchmark, profile: profile)
            let server = try PseudoTerminalServer(device: dut)
            // Written unbuffered so a parent process sees the path at once.
            FileHandle.standardOutput.write(Data("pty: \(server.path)\n".utf8))
            try? server.terminal.host.write(dut.boot())
            try server.serve()
        }
    }
}

/// An emulator started by another program (a test, a script) must not keep
/// that program waiting: descriptors inherited through fork (the parent's
/// other pipes) are closed so they reach end-of-file when the parent expects,
/// and the emulator exits when its parent does.
func detachFromParent() {
    for fd in 3..<1024 { close(Int32(fd)) }
    // Orphans are re-parented: a changed parent id means the parent is gone.
    let parent = getppid()
    Thread.detachNewThread {
        while getppid() == parent { Thread.sleep(forTimeInterval: 0.5) }
        exit(0)
    }
}
