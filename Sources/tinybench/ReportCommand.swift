import ArgumentParser
import Foundation
import TinyBench

/// `tinybench report SESSION [--submission ROOT --org ORG --system SYSTEM]`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a session folder (all modes, all benchmarks) and optionally lay it out as an MLPerf Tiny submission.",
        discussion: """
            Reads <session>/<kws|vww|ad|ic>/<performance|accuracy|energy>/results.json, prints one \
            table and writes summary.txt/summary.json into the session. With --submission, copies \
            each mode's log.txt, results.txt and results.json (and energy windows' JSON and SVG) to \
            <root>/<division>/<org>/results/<system>/<benchmark>/<mode>/, where the MLCommons \
            submission checker looks for them, writes systems/<system>.json unless it exists, and \
            checks the whole tree as the checker would (exit status 1 when something is missing, \
            such as the energy score of an invalid run).
            """)

    @Argument(help: "The session folder.") var session: String
    @Option(help: "Root of the submission tree to write.") var submission: String?
    @Option(help: "Division folder of the submission tree.") var division = "closed"
    @Option(help: "Organisation folder of the submission tree.") var org = "TinyBench"
    @Option(help: "System folder of the submission tree (the DUT's name).") var system = "dut"

    func run() throws {
        try reportingErrors {
            let folder = SessionFolder(url: URL(fileURLWithPath: session))
            let summary = try folder.summary()
            try summary.write()
            print(summary.table())
            if let submission {
                let written = try folder.exportSubmission(root: URL(fileURLWithPath: submission), division: division,
                                                          organization: org, system: system)
                print("submission tree: \(written.count) result folder(s) under \(submission)/\(division)/\(org)/results/\(system)")
                try fail(on: SubmissionCheck.problems(root: URL(fileURLWithPath: submission)))
                print("submission check: passed (every results folder has log.txt, results.txt with its score line, results.json)")
            }
        }
    }
}

/// `tinybench check-submission ROOT`: the checker's file and score-line rules, failing loudly.
struct CheckSubmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-submission",
        abstract: "Check a submission tree as the MLCommons checker reads it; exit status 1 on any problem.")

    @Argument(help: "Root of the submission tree (holding closed/ or open/).") var root: String

    func run() throws {
        try reportingErrors {
            try fail(on: SubmissionCheck.problems(root: URL(fileURLWithPath: root)))
            print("submission check: passed")
        }
    }
}

/// Lists the checker's problems on standard error, one per line, and fails.
private func fail(on problems: [String]) throws {
    guard !problems.isEmpty else { return }
    let text = "error: the submission tree fails \(problems.count) of the checker's rules:\n" + problems.map { "  \($0)\n" }.joined()
    FileHandle.standardError.write(Data(text.utf8))
    throw ExitCode.failure
}
