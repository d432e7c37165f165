import ArgumentParser
import TinyBench

/// The `tinybench` command line: thin parsing over the TinyBench and TinyRuntime libraries.
@main
struct TinyBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinybench",
        abstract: "MLPerf Tiny benchmarks on microcontrollers and on an emulated int8 MCU runtime.",
        version: "tinybench \(TinyBenchInfo.version)",
        subcommands: [RunCommand.self, ResumeCommand.self, ModelCommand.self, EmulateCommand.self, LabCommand.self, ReportCommand.self, CompareCommand.self, HistoryCommand.self, DoctorCommand.self, DUTCommand.self, CheckSubmissionCommand.self, PortsCommand.self, DatasetCommand.self, ModelsCommand.self, FirmwareCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
