import ArgumentParser
import Foundation
import TinyBench

/// Where runs are recorded: `--history PATH` or the default database; `--no-history` records nothing.
struct HistoryOptions: ParsableArguments {
    @Option(help: "The run history database (default $XDG_DATA_HOME/tinybench/history.sqlite, else ~/.local/share/tinybench/history.sqlite).")
    var history: String?
    @Flag(help: "Do not record this run in the history.") var noHistory = false

    var path: String { history ?? RunHistory.defaultPath }

    /// Records the session and tells `say` its run id; a history that cannot
    /// be used is a warning, never a failed run.
    func record(_ session: URL, say: (String) -> Void) {
        guard !noHistory else { return }
        do {
            let id = try RunHistory(path: path).record(SessionFolder(url: session))
            say("history: run \(id) recorded in \(path)")
        } catch {
            Console.error("warning: \(error)\n")
        }
    }
}

/// `tinybench history [--benchmark B] [--device D]`.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List the recorded runs (every session is recorded when it ends) and each benchmark's trend.",
        discussion: """
            Each row is one benchmark and mode of a recorded session, with its run id (which \
            `tinybench compare` accepts in place of a folder). The trends show throughput, quality \
            and energy over the last 30 runs as a sparkline. Schema: Docs/reporting.md.

            Examples:
              tinybench history
              tinybench history --benchmark kws --device emulated
              tinybench compare 12 15
            """)

    @Option(help: "Only this benchmark (kws, vww, ad, ic or their ids).", transform: { text in
        guard let b = Benchmark.named(text) else { throw ValidationError("unknown benchmark '\(text)'") }
        return b
    })
    var benchmark: Benchmark?
    @Option(help: "Only devices whose description contains this text.") var device: String?
    @Option(help: "The run history database (default $XDG_DATA_HOME/tinybench/history.sqlite, else ~/.local/share/tinybench/history.sqlite).")
    var history: String?

    func run() throws {
        try reportingErrors {
            let report = HistoryReport(entries: try RunHistory(path: history ?? RunHistory.defaultPath)
                .entries(benchmark: benchmark, device: device))
            print(report.table())
            print("")
            print(report.trends())
        }
    }
}
