import ArgumentParser
import Foundation
import TinyBench
import TinyBenchEmulators

/// `tinybench report SESSION [--submission ROOT --org ORG --system SYSTEM]`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a session folder (all modes, all benchmarks) and optionally lay it out as an MLPerf Tiny submission.",
        discussion: """
            Reads <session>/<kws|vww|ad|ic|ic2>/<performance|accuracy|energy>/results.json, prints one \
            table and writes summary.txt/summary.json into the session. With --submission, copies \
            each mode's log.txt, results.txt and results.json (and energy windows' JSON and SVG) to \
            <root>/<division>/<org>/results/<system>/<benchmark>/<mode>/, where the MLCommons \
            submission checker looks for them, writes systems/<system>.json unless it exists, and \
            checks the whole tree as check-submission does (exit status 1 on any problem, such as a \
            missing energy score, a non-compliant run or an emulated result without --allow-emulated).

            Examples:
              tinybench report sessions/20261130_101500 --html
              tinybench report sessions/20261130_101500 --submission submission \\
                  --org MyOrg --system nucleo-l4r5zi
            """)

    @Argument(help: "The session folder.") var session: String
    @Option(help: "Root of the submission tree to write.") var submission: String?
    @Option(help: "Division folder of the submission tree: closed or open.") var division = Division.closed
    @Option(help: "Organisation folder of the submission tree.") var org = "TinyBench"
    @Option(help: "System folder of the submission tree (the DUT's name).") var system = "dut"
    @Flag(help: "With --submission: accept emulated and QEMU results in the check (they are counted, and the output says so).")
    var allowEmulated = false
    @Flag(help: "Also write <session>/report.html: the session's charts and tables in one self-contained page (Docs/reporting.md).")
    var html = false

    func validate() throws {
        // The flag only relaxes the check of a submission tree; without one it would be silently ignored.
        if allowEmulated && submission == nil {
            throw ValidationError("--allow-emulated applies to the check of --submission ROOT: give --submission too")
        }
        // Checked before anything is read, written or copied.
        for (option, name) in [("--org", org), ("--system", system)] where name.isEmpty || name.contains("/") || name == "." || name == ".." {
            throw ValidationError("\(option) names one folder of the submission tree: '\(name)' is not a folder name")
        }
    }

    func run() throws {
        try reportingErrors {
            let folder = SessionFolder(url: URL(fileURLWithPath: session))
            let summary = try folder.summary()
            try summary.write()
            if !summary.rows.isEmpty { print(summary.table()) }
            for sww in folder.streamingResultFolders {
                print("sww (\(sww.lastPathComponent)):\n" + ((try? String(contentsOf: sww.appendingPathComponent("results.txt"), encoding: .utf8)) ?? ""))
            }
            if html { print("report: \(try HTMLReport.withModelledLayers(folder).write().path)") }
            if let submission {
                let written = try folder.exportSubmission(root: URL(fileURLWithPath: submission), division: division.rawValue,
                                                          organization: org, system: system)
                print("submission tree: \(written.count) result folder(s) under \(submission)/\(division.rawValue)/\(org)/results/\(system)")
                try checkSubmission(submission, allowEmulated: allowEmulated)
            }
        }
    }
}

/// The submission divisions the MLCommons checker reads.
enum Division: String, ExpressibleByArgument, CaseIterable {
    case closed, open
}

/// `tinybench check-submission ROOT [--allow-emulated]`: the checker's file and
/// score-line rules and the run rules behind the scores, failing loudly.
struct CheckSubmissionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-submission",
        abstract: "Check a submission tree as the MLCommons checker reads it and against the run rules; exit status 1 on any problem.",
        discussion: """
            Every <division>/<org>/results/<system>/<benchmark>/<mode>/ folder needs log.txt, \
            results.txt with the line the checker parses and results.json, and each system a \
            systems/<system>.json with a Status. Fails, listing each reason with its file, on \
            NON-COMPLIANT, INTERRUPTED or INVALID runs, on performance or energy runs without \
            exactly 5 windows of at least 10 s, and on emulated or QEMU results unless \
            --allow-emulated.

            Examples:
              tinybench check-submission submission
              tinybench check-submission submission --allow-emulated
            """)

    @Argument(help: "Root of the submission tree (holding closed/ or open/).") var root: String
    @Flag(help: "Accept emulated and QEMU results (they are counted, and the output says so).")
    var allowEmulated = false

    func run() throws {
        try reportingErrors {
            try checkSubmission(root, allowEmulated: allowEmulated)
        }
    }
}

/// Checks the tree at `root`: says how many emulated results `allowEmulated`
/// let through (so an allowed run never reads as a measured one), then lists
/// every problem on standard error, one per line, and fails, or says it passed.
private func checkSubmission(_ root: String, allowEmulated: Bool) throws {
    let findings = SubmissionCheck.check(root: URL(fileURLWithPath: root), allowEmulated: allowEmulated)
    let emulated = findings.emulatedFolders.count
    if allowEmulated && emulated > 0 {
        print("emulated results allowed: " + (emulated == 1 ? "1 result folder is not a measurement on a board"
                                                           : "\(emulated) result folders are not measurements on a board"))
    }
    guard findings.problems.isEmpty else {
        let problems = findings.problems
        let text = "error: the submission tree fails \(problems.count) check(s):\n" + problems.map { "  \($0)\n" }.joined()
        Console.error(text)
        throw ExitCode.failure
    }
    print("submission check: passed (\(findings.resultFolders) result folder(s): the checker's files and score lines; "
          + "complete, compliant runs; performance and energy in 5 windows of at least 10 s"
          + (emulated == 0 ? "; measured on a board)" : ")"))
}
