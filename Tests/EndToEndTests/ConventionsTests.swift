import Foundation
import Testing
import TestSupport

/// Conventions every command keeps: the version, class names where classes are listed.
struct ConventionsTests {
    @Test func versionIsPrinted() throws {
        let r = try CLI.run(["--version"])
        let version = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(r.status == 0 && version.wholeMatch(of: /tinybench \d+\.\d+\.\d+/) != nil, "\(version)")
    }

    @Test func classesAreListedByName() throws {
        let out = SessionFilesCommandTests.tempDir("class-names")
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["vww", "--mode", "accuracy", "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: out.appendingPathComponent("vww/accuracy/results.txt"), encoding: .utf8)
        #expect(text.contains("vww accuracy: class 0 (no person): ") && text.contains("vww accuracy: class 1 (person): "), "\(text)")
    }
}
