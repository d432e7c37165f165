import Foundation
import Testing
import TestSupport

/// The MLCommons Tiny runner (benchmark/runner/main.py, unmodified) against
/// `tinybench emulate --pty` through Scripts/mlc-runner-pty (Docs/interop.md).
/// The runner is not part of TinyBench: these tests run only when
/// MLC_RUNNER names a checkout's runner folder (and MLC_PYTHON, if set, a
/// Python with the runner's packages: pyserial, pyyaml, pyusb, numpy,
/// scikit-learn, matplotlib).
@Suite(.serialized, .enabled(if: MLCRunner.folder != nil,
                             "MLC_RUNNER is not set to a folder holding main.py: give the MLCommons runner's folder (mlcommons/tiny benchmark/runner) to run the interop tests"))
struct MLCRunnerTests {
    /// A performance script as the runner's, with windows short enough for a
    /// test: 5 windows of 13 kws01 inferences, 12.4 s of modelled time in all.
    static let shortPerformance = """
        kws01:
          name: keyword_spotting
          model: kws01
          truth_file: y_labels.csv
          script:
            - loop 5:
              - download
              - infer 12 1
        """

    /// Runs the wrapper in performance mode against an emulator (real time or
    /// virtual) and returns the runner's standard output.
    static func runPerformance(realtime: Bool) throws -> CLI.Result {
        let model = try HarnessTests.modelPath("kws01")
        defer { unlink(model) }
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"]
                                        + (realtime ? ["--realtime"] : []))
        defer { CLI.stop(pid) }
        let work = try CLI.makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tests = work + "/tests_short.yaml"
        try Data(shortPerformance.utf8).write(to: URL(fileURLWithPath: tests))
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try CLI.runTool(MLCRunner.python, [
            repository.appendingPathComponent("Scripts/mlc-runner-pty").path,
            "--runner", MLCRunner.folder!, "--port", String(line.dropFirst("pty: ".count)), "--workdir", work, "--",
            "--device_list", repository.appendingPathComponent("Docs/examples/devices-pty.yaml").path,
            "--dataset_path", HarnessData.demo.path, "--test_script", tests, "--mode", "p"])
    }

    @Test func theRunnerPrintsTheMedianAgainstTheRealTimeEmulator() throws {
        let r = try Self.runPerformance(realtime: true)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("Median throughput is"), "\(r.stdout)")
        #expect(!r.stdout.contains("ERROR 2"), "\(r.stdout)")
    }

    @Test func onVirtualTimeTheRunnerWithholdsTheMedian() throws {
        let r = try Self.runPerformance(realtime: false)
        #expect(r.stdout.contains("ERROR 2 - loop exited before 10 seconds elapsed"), "\(r.stdout) \(r.stderr)")
        #expect(!r.stdout.contains("Median throughput is"), "\(r.stdout)")
    }
}

enum MLCRunner {
    /// The runner's folder, from MLC_RUNNER, when it holds main.py.
    static let folder: String? = {
        guard let path = ProcessInfo.processInfo.environment["MLC_RUNNER"], !path.isEmpty else { return nil }
        return FileManager.default.fileExists(atPath: path + "/main.py") ? path : nil
    }()

    static let python = ProcessInfo.processInfo.environment["MLC_PYTHON"] ?? "python3"
}
