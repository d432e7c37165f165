import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench resume SESSION [connection options]`: continues an interrupted
/// or crashed run in its session folder.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue an interrupted or crashed run in its session folder.",
        discussion: """
            Runs what the session's run.json asked for and did not complete: modes with complete \
            results are kept, accuracy skips the samples in samples.jsonl, performance and energy \
            measure only the windows that did not complete. The DUT, its model and the dataset \
            files must be those of the interrupted run (checked by name, profile and SHA-256), \
            or the run stops with the difference. Connection options replace the bench's, e.g. \
            when the board's port moved (--port /dev/ttyACM1).

            Examples:
              tinybench resume sessions/20261130_101500
              tinybench resume sessions/20261130_101500 --port /dev/ttyACM1
            """)

    @Argument(help: "The session folder of the interrupted run.") var session: String
    @OptionGroup(title: "Connection (replaces the session's)") var connection: ConnectionOptions
    @OptionGroup(title: "Energy mode (replaces the session's)") var energy: EnergyOptions
    @OptionGroup(title: "History") var history: HistoryOptions
    @OptionGroup(title: "Output") var printing: OutputOptions

    func run() throws {
        try reportingErrors {
            let folder = URL(fileURLWithPath: session)
            var request = try RunRequest.read(session: folder)
            let mode = request.settings.mode
            if !connection.ports.isEmpty || connection.qemu != nil || connection.devices != nil || energy.bench != nil {
                let given = try connection.bench(mode: mode, energy: energy.bench, voltage: energy.voltage,
                                                 model: request.bench.model, demoRoot: request.bench.demoRoot)
                try given.validate(mode: mode, benchmarks: try request.benchmarkList())
                request.bench = given
            }
            let suite = try request.suite(output: folder)
            suite.resume = true
            try runSuite(suite, output: printing, history: history)
        }
    }
}
