import Foundation
import Testing
import TestSupport

/// `tinybench check-submission` and `report --submission` on trees from real
/// runs of the emulated DUT and lab: each kind of non-compliance fails with
/// its reason, and `--allow-emulated` passes a tree whose only problem is
/// that it was not measured on a board.
@Suite(.serialized)
struct CheckSubmissionTests {
    /// A compliant kws performance run on the emulated DUT, laid out as a
    /// submission tree (`<root>/submission`); each test works on a copy.
    static let base: Result<URL, CLI.Failure> = {
        do {
            let root = try SeveralDUTsTests.demoSubset("kws01", count: 5)
            let session = root.appendingPathComponent("session"), tree = root.appendingPathComponent("submission")
            let run = try CLI.run(["kws", "--mode", "performance", "--dataset", root.path, "--output", session.path])
            guard run.status == 0 else { return .failure(CLI.Failure("the base run failed: \(run.stderr)")) }
            let report = try CLI.run(["report", session.path, "--submission", tree.path, "--allow-emulated"])
            guard report.status == 0 else { return .failure(CLI.Failure("the base tree fails its check: \(report.stderr)")) }
            return .success(tree)
        } catch {
            return .failure(CLI.Failure("\(error)"))
        }
    }()

    static let performance = "closed/TinyBench/results/dut/kws/performance"

    /// A copy of the base tree.
    static func copyOfBase() throws -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-check-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: try base.get(), to: copy)
        return copy
    }

    /// Rewrites a JSON file of `tree` through `change`.
    static func editJSON(_ tree: URL, _ path: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = tree.appendingPathComponent(path)
        var object = try SeveralDUTsTests.json(url)
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    /// The number of problems in check-submission's (or report's) error output.
    static func problemCount(_ stderr: String) -> Int? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.hasPrefix("error: the submission tree fails ") }) else { return nil }
        return Int(line.split(separator: " ")[5])
    }

    @Test func anEmulatedTreeFailsWithoutAllowEmulated() throws {
        let tree = try Self.copyOfBase()
        let strict = try CLI.run(["check-submission", tree.path])
        #expect(strict.status == 1 && Self.problemCount(strict.stderr) == 1, "\(strict.stderr)")
        #expect(strict.stderr.contains("\(Self.performance)/results.json: emulated result, not a measurement on a board (cost-model timing: emulated"), "\(strict.stderr)")
        #expect(strict.stderr.contains("--allow-emulated accepts it"), "\(strict.stderr)")
        let allowed = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stdout.contains("emulated results allowed: 1 result folder is not a measurement on a board"), "\(allowed.stdout)")
        #expect(allowed.stdout.contains("submission check: passed") && !allowed.stdout.contains("measured on a board)"), "\(allowed.stdout)")
        // The flag relaxes only a submission tree's check: report without one refuses it rather than ignore it.
        let session = try Self.base.get().deletingLastPathComponent().appendingPathComponent("session")
        let alone = try CLI.run(["report", session.path, "--allow-emulated"])
        #expect(alone.status == 64 && alone.stderr.contains("--allow-emulated applies to the check of --submission ROOT"), "\(alone.stderr)")
    }

    @Test func qemuTimingFailsWithoutAllowEmulated() throws {
        let tree = try Self.copyOfBase()
        // What a QEMU session records: the instruction count is its time.
        try Self.editJSON(tree, Self.performance + "/results.json") { report in
            var manifest = report["manifest"] as? [String: Any] ?? [:]
            manifest["device"] = ["summary": "QEMU mps2-an386 (Cortex-M4F), instruction-count time (1 instruction = 1 ns), not board time",
                                  "timing": "instruction-count"]
            report["manifest"] = manifest
        }
        let strict = try CLI.run(["check-submission", tree.path])
        #expect(strict.status == 1 && Self.problemCount(strict.stderr) == 1, "\(strict.stderr)")
        #expect(strict.stderr.contains("\(Self.performance)/results.json: QEMU result, not a measurement on a board (instruction-count timing: QEMU mps2-an386"), "\(strict.stderr)")
        let allowed = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(allowed.status == 0 && allowed.stdout.contains("emulated results allowed: 1 result folder"), "\(allowed.stdout)\(allowed.stderr)")
    }

    @Test func aNonCompliantPerformanceRunFails() throws {
        // Windows land at 13.5 s (over 10), but a minimum of 9 s makes the run non-compliant.
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 5)
        let session = root.appendingPathComponent("session")
        let run = try CLI.run(["kws", "--mode", "performance", "--min-window-seconds", "9", "--dataset", root.path, "--output", session.path])
        #expect(run.status == 0, "\(run.stderr)")
        let r = try CLI.run(["report", session.path, "--submission", root.appendingPathComponent("submission").path, "--allow-emulated"])
        #expect(r.status == 1 && Self.problemCount(r.stderr) == 1, "\(r.stderr)")
        #expect(r.stderr.contains("\(Self.performance)/results.txt: kws performance: NON-COMPLIANT run: 5 windows, minimum window 9.0 s"), "\(r.stderr)")
    }

    @Test func shortEnergyWindowsFail() throws {
        // The energy analysis accepts 1.5 s windows under --min-window-seconds 1; only the windows show the rule broken.
        let root = try SeveralDUTsTests.demoSubset("ad01", count: 5)
        let session = root.appendingPathComponent("session")
        let run = try CLI.run(["ad", "--mode", "energy", "--emulated-lab", "--min-window-seconds", "1", "--dataset", root.path, "--output", session.path])
        #expect(run.status == 0, "\(run.stderr)")
        let r = try CLI.run(["report", session.path, "--submission", root.appendingPathComponent("submission").path, "--allow-emulated"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("closed/TinyBench/results/dut/ad/energy/results.json: window 1 ("), "\(r.stderr)")
        #expect(r.stderr.contains("under the 10 s the rules ask of every energy window"), "\(r.stderr)")
    }

    @Test func threeWindowsFail() throws {
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 5)
        let tests = try CLI.temporaryFile(Array("""
            kws01:
              name: keyword_spotting
              model: kws01
              truth_file: y_labels.csv
              script:
                - loop 3:
                  - download
                  - infer 70 2
            """.utf8), name: "tests_performance.yaml")
        defer { unlink(tests) }
        let session = root.appendingPathComponent("session")
        let run = try CLI.run(["kws", "--mode", "performance", "--tests", tests, "--dataset", root.path, "--output", session.path])
        #expect(run.status == 0, "\(run.stderr)")
        let tree = root.appendingPathComponent("submission")
        let r = try CLI.run(["report", session.path, "--submission", tree.path, "--allow-emulated"])
        #expect(r.status == 1 && Self.problemCount(r.stderr) == 2, "\(r.stderr)")
        #expect(r.stderr.contains("\(Self.performance)/results.txt: kws performance: NON-COMPLIANT run: 3 windows"), "\(r.stderr)")
        #expect(r.stderr.contains("\(Self.performance)/results.json: 3 performance window(s) where the rules ask for 5"), "\(r.stderr)")
        // check-submission on its own says the same.
        let c = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(c.status == 1 && c.stderr.contains("3 performance window(s) where the rules ask for 5"), "\(c.stderr)")
    }

    /// Bad folder names are refused before the session is read or anything is written or copied.
    @Test func badSubmissionFolderNamesAreRefusedFirst() throws {
        let session = try Self.base.get().deletingLastPathComponent().appendingPathComponent("session")
        let summary = session.appendingPathComponent("summary.txt")
        let before = try FileManager.default.attributesOfItem(atPath: summary.path)[.modificationDate] as? Date
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-check-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tree) }
        Thread.sleep(forTimeInterval: 0.01)
        let r = try CLI.run(["report", session.path, "--submission", tree.path, "--division", "bogus", "--allow-emulated"])
        #expect(r.status != 0 && r.stderr.contains("bogus") && r.stderr.contains("'closed'"), "\(r.stderr)")
        let o = try CLI.run(["report", session.path, "--submission", tree.path, "--org", "a/b", "--allow-emulated"])
        #expect(o.status != 0 && o.stderr.contains("--org names one folder"), "\(o.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tree.path), "the tree was written before the options were checked")
        #expect(try FileManager.default.attributesOfItem(atPath: summary.path)[.modificationDate] as? Date == before,
                "the session's summary was rewritten before the options were checked")
    }

    @Test func anInterruptedRunFails() throws {
        // An interrupted run: results.txt says so and has no score line.
        let tree = try Self.copyOfBase()
        let results = tree.appendingPathComponent(Self.performance + "/results.txt")
        let kept = try String(contentsOf: results, encoding: .utf8).split(separator: "\n").filter { !$0.contains("Median throughput is") }
        try Data((kept.joined(separator: "\n") + "\nkws performance: INTERRUPTED after 3 of 5 windows\n").utf8).write(to: results)
        let r = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(r.status == 1 && Self.problemCount(r.stderr) == 2, "\(r.stderr)")
        #expect(r.stderr.contains("\(Self.performance)/results.txt: kws performance: INTERRUPTED after 3 of 5 windows"), "\(r.stderr)")
        #expect(r.stderr.contains("\(Self.performance)/results.txt: no line the checker reads for performance"), "\(r.stderr)")

        // Only results.json says so: the score line alone does not make a complete run.
        let json = try Self.copyOfBase()
        try Self.editJSON(json, Self.performance + "/results.json") { $0["interrupted"] = true }
        let j = try CLI.run(["check-submission", json.path, "--allow-emulated"])
        #expect(j.status == 1 && Self.problemCount(j.stderr) == 1, "\(j.stderr)")
        #expect(j.stderr.contains("\(Self.performance)/results.json: \"interrupted\": true (INTERRUPTED)"), "\(j.stderr)")
    }

    /// ic02 (v1.4) reports as `ic2`, and the checker's rule holds: an ic2
    /// result alone fails, with an ic result of the same system beside it the
    /// tree passes. Both run on the same ic01 files.
    @Test func anIc2ResultNeedsAnIcResult() throws {
        let root = try SeveralDUTsTests.demoSubset("ic01", count: 10)
        let session = root.appendingPathComponent("session"), tree = root.appendingPathComponent("submission")
        let ic2 = try CLI.run(["ic2", "--mode", "accuracy", "--dataset", root.path, "--output", session.path])
        #expect(ic2.status == 0, "\(ic2.stderr)")
        let alone = try CLI.run(["report", session.path, "--submission", tree.path, "--allow-emulated"])
        #expect(alone.status == 1 && Self.problemCount(alone.stderr) == 1, "\(alone.stderr)")
        #expect(alone.stderr.contains("results/dut/ic2: ic2 results need ic results of the same system beside them"), "\(alone.stderr)")
        let accuracy = try String(contentsOf: tree.appendingPathComponent("closed/TinyBench/results/dut/ic2/accuracy/results.txt"), encoding: .utf8)
        #expect(accuracy.contains("ic2 accuracy: target 91 %, met"), "\(accuracy)")
        let ic = try CLI.run(["ic", "--mode", "accuracy", "--dataset", root.path, "--output", session.path])
        #expect(ic.status == 0, "\(ic.stderr)")
        let both = try CLI.run(["report", session.path, "--submission", tree.path, "--allow-emulated"])
        #expect(both.status == 0, "\(both.stderr)")
        let check = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(check.status == 0, "\(check.stderr)")
    }
}
