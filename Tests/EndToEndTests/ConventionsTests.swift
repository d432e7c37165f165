import Foundation
import Testing
import TestSupport
import TinyBench

/// Conventions every command keeps: the version, class names where classes are listed.
struct ConventionsTests {
    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0 && r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "tinybench \(TinyBenchInfo.version)")
    }

    @Test func classesAreListedByName() throws {
        #expect(Benchmark.kws01.className(9) == "Yes" && Benchmark.kws01.className(11) == "Unknown")
        #expect(Benchmark.vww01.className(1) == "person" && Benchmark.ic01.className(3) == "cat")
        #expect(Benchmark.ad01.className(1) == "anomaly" && Benchmark.ic01.className(10) == "class 10")
        let out = SessionFilesCommandTests.tempDir("class-names")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["vww", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: out.appendingPathComponent("vww/accuracy/results.txt"), encoding: .utf8)
        #expect(text.contains("vww accuracy: class 0 (no person): ") && text.contains("vww accuracy: class 1 (person): "), "\(text)")
    }
}
