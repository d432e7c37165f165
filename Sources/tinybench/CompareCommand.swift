import ArgumentParser
import Foundation
import TinyBench

/// `tinybench compare A B [--threshold 2%] [--json]`: a regression gate.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare session B with baseline session A: throughput, latency, energy, quality and changed predictions; exit status 1 on a regression beyond the threshold.",
        discussion: """
            A change is a regression when it goes the wrong way (lower throughput or quality, higher \
            latency, energy or power) by more than its threshold, relative to A. Figures present in \
            only one session are listed, not compared.

            Examples:
              tinybench compare sessions/yesterday sessions/today
              tinybench compare base cand --threshold 1% --threshold energy=3%
              tinybench compare base cand --json > comparison.json
            """)

    @Argument(help: "The baseline: a session folder, or a run id of `tinybench history`.") var a: String
    @Argument(help: "The session to compare with it: a folder or a run id.") var b: String
    @Option(help: "Allowed change the wrong way: a percentage for every metric (2%) or for one (throughput|latency|energy|power|quality=5%); repeatable. Default 2%.")
    var threshold: [String] = []
    @Flag(help: "Print the comparison as JSON (every changed prediction included).") var json = false
    @Option(help: "The run history database the run ids are looked up in (default as `tinybench history`).") var history: String?

    func validate() throws {
        var t = SessionComparison.Thresholds()
        for text in threshold {
            do { try t.parse(text) } catch { throw ValidationError("\(error)") }
        }
    }

    func run() throws {
        var thresholds = SessionComparison.Thresholds()
        for text in threshold { try thresholds.parse(text) }
        var regression = false
        try reportingErrors {
            let comparison = try SessionComparison(try session(a), try session(b), thresholds: thresholds)
            print(json ? String(decoding: try comparison.json(), as: UTF8.self) : comparison.text())
            regression = comparison.hasRegression
        }
        if regression { throw ExitCode(1) }
    }

    /// A folder as given, or the folder a history run id was recorded from.
    private func session(_ text: String) throws -> SessionFolder {
        guard !FileManager.default.fileExists(atPath: text), let id = Int64(text) else {
            return SessionFolder(url: URL(fileURLWithPath: text))
        }
        let path = history ?? RunHistory.defaultPath
        guard let run = try RunHistory(path: path).run(id) else { throw HistoryError.noSuchRun(id, path) }
        return SessionFolder(url: URL(fileURLWithPath: run.folder))
    }
}
