import ArgumentParser
import Foundation
import TinyBench

/// What a run prints: the summary table (default) or the summary as JSON on
/// standard output, with or without progress on standard error.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the run's summary as JSON on standard output (the bytes of the session's summary.json); everything else goes to standard error.")
    var json = false
    @Flag(help: "No progress and no per-benchmark lines: only the summary (table or --json), warnings and errors.")
    var quiet = false

    /// Progress, notices and the lines that tell where things were written.
    func inform(_ line: String) {
        guard !quiet else { return }
        if json { Console.error(line + "\n") } else { Console.write(line + "\n") }
    }

    /// The summary at the end of a run, the one thing a script reads.
    func summarize(_ summary: RunSummary) {
        if json {
            let bytes = (try? JSONOutput.encoder().encode(summary)).map { [UInt8]($0) } ?? []
            Console.write(String(decoding: bytes, as: UTF8.self) + "\n")
        } else {
            Console.write("\n" + summary.table(errorsBelow: true) + "\n")
        }
    }
}
