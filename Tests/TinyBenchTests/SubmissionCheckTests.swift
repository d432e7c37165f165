import Foundation
import Testing
import TinyBench

/// The submission checker's rules on hand-made trees.
struct SubmissionCheckTests {
    static func tree(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-tree-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
        return root
    }

    static let good: [String: String] = [
        "closed/Org/systems/dut.json": #"{"Status": "available"}"#,
        "closed/Org/results/dut/kws/energy/log.txt": "",
        "closed/Org/results/dut/kws/energy/results.json": "{}",
        "closed/Org/results/dut/kws/energy/results.txt": "kws energy: Median energy cost is 7710.922 uJ/inf.\n",
        "closed/Org/results/dut/kws/performance/log.txt": "",
        "closed/Org/results/dut/kws/performance/results.json": "{}",
        "closed/Org/results/dut/kws/performance/results.txt": "kws performance: Median throughput is 5.252 inf./sec.\n",
        "closed/Org/results/dut/ad/accuracy/log.txt": "",
        "closed/Org/results/dut/ad/accuracy/results.json": "{}",
        "closed/Org/results/dut/ad/accuracy/results.txt": "ad accuracy: AUC = 0.9844\n",
    ]

    @Test func aCompleteTreePasses() throws {
        #expect(SubmissionCheck.problems(root: try Self.tree(Self.good)).isEmpty)
    }

    @Test func everyRuleFailsLoudly() throws {
        var files = Self.good
        files["closed/Org/results/dut/kws/energy/results.txt"] = "kws energy: INVALID run, no energy score: window 2: lost timestamp event\n"
        files["closed/Org/results/dut/kws/performance/results.txt"] = "Median throughput is 5.252 inf./sec.\n"   // nothing before the keyword
        files.removeValue(forKey: "closed/Org/results/dut/ad/accuracy/log.txt")
        files["closed/Org/systems/dut.json"] = #"{"Status": "someday"}"#
        let problems = SubmissionCheck.problems(root: try Self.tree(files))
        #expect(problems.count == 4, "\(problems)")
        #expect(problems.contains { $0.hasSuffix("kws/energy/results.txt: no line the checker reads for energy") })
        #expect(problems.contains { $0.hasSuffix("kws/performance/results.txt: no line the checker reads for performance") })
        #expect(problems.contains { $0.hasSuffix("ad/accuracy: no log.txt") })
        #expect(problems.contains { $0.contains("systems/dut.json") })
        #expect(SubmissionCheck.problems(root: try Self.tree([:])).count == 1)
    }
}
