import Foundation
import Testing
import TestSupport

/// `tinybench compare A B` as a CI gate: identical sessions pass, a
/// throughput drop beyond the threshold fails with exit status 1, a changed
/// prediction is listed.
struct CompareCommandTests {
    /// Edits one results.json of a session in place.
    static func edit(_ session: URL, _ relative: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = session.appendingPathComponent(relative)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    @Test func aRegressionBeyondTheThresholdFailsTheGate() throws {
        let root = SessionFilesCommandTests.tempDir("compare")
        defer { try? FileManager.default.removeItem(at: root) }
        let a = root.appendingPathComponent("a"), b = root.appendingPathComponent("b")
        let made = try CLI.run(["kws", "--mode", "all", "--dataset", HarnessData.demo.path, "--output", a.path])
        #expect(made.status == 0, "\(made.stderr)")
        try FileManager.default.copyItem(at: a, to: b)

        let same = try CLI.run(["compare", a.path, b.path])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.contains("kws01      throughput") && same.stdout.contains("no regression beyond the thresholds"))

        // 5 % fewer inferences per second and one file classified differently.
        var throughput = 0.0
        try Self.edit(b, "kws/performance/results.json") {
            throughput = $0["medianThroughput"] as? Double ?? 0
            $0["medianThroughput"] = throughput * 0.95
        }
        var file = ""
        try Self.edit(b, "kws/accuracy/results.json") {
            var samples = $0["samples"] as? [[String: Any]] ?? []
            file = samples[0]["file"] as? String ?? ""
            samples[0]["predicted"] = ((samples[0]["predicted"] as? Int ?? 0) + 1) % 12
            $0["samples"] = samples
        }
        #expect(throughput > 0)
        let worse = try CLI.run(["compare", a.path, b.path])
        #expect(worse.status == 1)
        #expect(worse.stdout.contains("-5.00 %") && worse.stdout.contains("REGRESSION"))
        #expect(worse.stdout.contains("1 regression(s): kws01 throughput"))
        #expect(worse.stdout.contains("1 sample(s) predicted differently") && worse.stdout.contains(file))
        // A looser threshold for that metric lets it pass; the JSON lists the changed sample.
        let loose = try CLI.run(["compare", a.path, b.path, "--threshold", "throughput=6%", "--json"])
        #expect(loose.status == 0, "\(loose.stdout)\(loose.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(loose.stdout.utf8)) as? [String: Any])
        let changed = json["changedPredictions"] as? [[String: Any]]
        #expect(changed?.count == 1 && changed?.first?["file"] as? String == file)
        #expect((json["changes"] as? [[String: Any]])?.contains { $0["metric"] as? String == "throughput" && $0["regression"] as? Bool == false } == true)
        // Swapped, B's lower throughput is the baseline: a rise is no regression.
        #expect(try CLI.run(["compare", b.path, a.path]).status == 0)
    }

    @Test func badThresholdsAndMissingSessionsAreClearErrors() throws {
        let bad = try CLI.run(["compare", "/tmp", "/tmp", "--threshold", "speed=3%"])
        #expect(bad.status == 64 && bad.stderr.contains("bad --threshold 'speed=3%'"))
        let missing = try CLI.run(["compare", "/nonexistent/a", "/nonexistent/b"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/a"), "\(missing.stderr)")
    }
}
