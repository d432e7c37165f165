import ArgumentParser
import Foundation
import TinyBench

/// The `tinybench` command line: thin parsing over the TinyBench and TinyRuntime libraries.
@main
struct TinyBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tinybench",
        abstract: "MLPerf Tiny benchmarks on microcontrollers and on an emulated int8 MCU runtime.",
        discussion: """
            A benchmark name alone runs it: `tinybench kws` is `tinybench run kws`.

            Examples:
              tinybench all
              tinybench kws --port /dev/ttyACM0 --mode accuracy
              tinybench doctor
            """,
        version: "tinybench \(TinyBenchInfo.version)",
        subcommands: [RunCommand.self, ResumeCommand.self, SWWCommand.self, ModelCommand.self, EmulateCommand.self, LabCommand.self, ReportCommand.self, CompareCommand.self, HistoryCommand.self, DoctorCommand.self, DUTCommand.self, CheckSubmissionCommand.self, PortsCommand.self, DatasetCommand.self, ModelsCommand.self, FirmwareCommand.self],
        defaultSubcommand: RunCommand.self
    )

    /// Parses and runs, after refusing a first word that is neither a command
    /// nor a benchmark: a mistyped command (`tinybench histroy`) is a usage
    /// error that says so, not a run of a benchmark called "histroy".
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let first = arguments.first, let problem = unknownCommand(first) {
            exit(withError: ValidationError(problem))
        }
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            if exitCode(for: error) == .success, let help = Optional(fullMessage(for: error)), help.contains("USAGE:") {
                Console.write(examplesLast(help) + "\n")
                Foundation.exit(0)
            }
            exit(withError: error)
        }
    }

    /// Help text with its "Examples:" paragraph (written in each command's
    /// discussion, which ArgumentParser prints first) moved to the end, where
    /// a reader of `--help` looks for them.
    static func examplesLast(_ help: String) -> String {
        var paragraphs = help.trimmingCharacters(in: .whitespacesAndNewlines).components(separatedBy: "\n\n")
        guard let i = paragraphs.firstIndex(where: { $0.hasPrefix("Examples:\n") }) else { return help }
        let examples = paragraphs.remove(at: i)
        return (paragraphs + [examples]).joined(separator: "\n\n")
    }

    /// Why `word`, the first argument, names nothing, if it does not.
    static func unknownCommand(_ word: String) -> String? {
        let commands = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !word.hasPrefix("-"), !commands.contains(word), BenchmarkSelection(argument: word) == nil else { return nil }
        return "unknown command or benchmark '\(word)'. Commands: \(commands.joined(separator: ", ")); "
            + "benchmarks: kws, vww, ad, ic, ic2, all (`tinybench kws` runs kws)"
    }
}
