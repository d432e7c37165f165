import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench emulate --model M --benchmark kws01 --pty [--realtime]`: an
/// emulated DUT on a new pseudo-terminal, for any tool that talks to a serial port.
struct EmulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulate",
        abstract: "Serve an emulated DUT (TinyRuntime + cost model) on a pseudo-terminal until interrupted.",
        discussion: """
            Prints `pty: <path>`, then serves the DUT protocol there until interrupted (SIGINT or \
            SIGTERM; with --exit-with-parent also until the process that started it exits). Timings \
            are the board profile's cost model: emulated, not measured. Time is virtual (as fast as \
            the host computes) unless --realtime is given: then each line leaves the DUT when the \
            modelled board would send it and m-lap-us advances with the wall clock, the host sleeping \
            meanwhile, as tools that time a run by the wall clock need (the MLCommons runner's 10 s \
            check in performance mode; Docs/interop.md).

            Examples:
              tinybench emulate --model kws01.tflite --benchmark kws --pty
              tinybench emulate --model kws01.tflite --benchmark kws --pty --realtime
              tinybench dut check --port /dev/pts/5    # the path it printed
            """)

    @Option(help: "The .tflite model the DUT runs.") var model: String
    @Option(help: "kws01, vww01, ad01, ic01 or ic02.") var benchmark: Benchmark
    @Option(help: "Board profile.") var profile = BoardProfile.nucleoL4R5ZITFLM
    @Flag(help: "Serve on a pseudo-terminal (the only transport so far); its path is the first line printed.") var pty = false
    @Flag(help: "Pace the DUT to the wall clock: `infer N W` takes as long as the modelled board would and m-lap-us advances with real time. Without it time is virtual.")
    var realtime = false
    @OptionGroup var lifetime: ServerLifetime

    func validate() throws {
        guard pty else { throw ValidationError("--pty is required: it is the only way to serve an emulated DUT so far") }
    }

    func run() throws {
        lifetime.detach()
        try reportingErrors {
            let dut = try EmulatedDUT(model: try loadModel(model), benchmark: benchmark, profile: profile, realTime: realtime)
            let server = try PseudoTerminalServer(device: dut)
            // Written unbuffered so a parent process sees the path at once.
            Console.write("pty: \(server.path)\n")
            try? server.terminal.host.write(dut.boot())
            try server.serve()
        }
    }
}

/// How long `emulate` and `lab` serve: until SIGINT or SIGTERM, or with
/// `--exit-with-parent` until the process that started them exits.
struct ServerLifetime: ParsableArguments {
    @Flag(help: "Also exit when the process that started this one exits (for a test or program that owns the server). Without it the server runs until interrupted (SIGINT or SIGTERM), whatever becomes of its parent.")
    var exitWithParent = false

    /// A server started by another program (a test, a script) must not keep
    /// that program waiting: descriptors inherited through fork (the parent's
    /// other pipes) are closed so they reach end-of-file when the parent expects,
    /// and a reader of standard output that stops reading (`| head -1`) does
    /// not stop the server (its lines are lost, see `Console`).
    func detach() {
        for fd in 3..<1024 { close(Int32(fd)) }
        signal(SIGPIPE, SIG_IGN)
        guard exitWithParent else { return }
        // Orphans are re-parented: a changed parent id means the parent is gone.
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 0.5) }
            Foundation.exit(0)
        }
    }
}
