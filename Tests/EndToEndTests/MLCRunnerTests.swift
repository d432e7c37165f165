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

    /// sww01: the runner's own `stream` step against `tinybench lab
    /// --benchmark sww01` (the emulated board and DUT) with the 5-minute
    /// synthetic stream, then `tinybench sww` against a fresh lab: the same
    /// detections, activations, processing-pin ticks and duty cycle, to the bit.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng"), "espeak-ng is not installed"))
    func theRunnersStreamStepAgreesWithTinyBenchToTheBit() throws {
        let work = try CLI.makeWorkingDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let demodata = CLI.binary.deletingLastPathComponent().appendingPathComponent("demodata").path
        try #require(try CLI.runTool(demodata, ["--out", work + "/data", "--benchmarks", "sww01", "--long-stream"]).status == 0)
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let lab = ["lab", "--model", HarnessData.demo.appendingPathComponent("models/sww01.tflite").path, "--benchmark", "sww01",
                   "--sd-card", work + "/data/sww01", "--exit-with-parent"]
        let (runnerLab, runnerPort) = try CLI.start(lab)
        let runner = try CLI.runTool(MLCRunner.python, [
            repository.appendingPathComponent("Scripts/mlc-runner-pty").path, "--runner", MLCRunner.folder!,
            "--port", String(runnerPort.dropFirst("interface: ".count)), "--usb", "0483:374e", "--workdir", work, "--",
            "--device_list", repository.appendingPathComponent("Docs/examples/devices-sww-pty.yaml").path,
            "--dataset_path", work + "/data", "--mode", "p"])
        CLI.stop(runnerLab)
        #expect(runner.status == 0, "\(runner.stdout) \(runner.stderr)")
        #expect(runner.stdout.contains("Accuracy: 50 True positives, 0 False negatives, 0 False positives"), "\(runner.stdout)")
        let (ourLab, ourPort) = try CLI.start(lab)
        defer { CLI.stop(ourLab) }
        let ours = try CLI.run(["sww", "--interface", String(ourPort.dropFirst("interface: ".count)),
                                "--truth", work + "/data/sww01/sww_long_test.json", "--output", work + "/tb"])
        #expect(ours.status == 0, "\(ours.stderr)")

        let sessions = try FileManager.default.contentsOfDirectory(atPath: work + "/sessions").sorted()
        let session = try #require(sessions.last)
        let runnerData = try Data(contentsOf: URL(fileURLWithPath: work + "/sessions/\(session)/results.json"))
        let runnerJSON = try #require(try JSONSerialization.jsonObject(with: runnerData) as? [[String: Any]])
        let ourJSON = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: work + "/tb/sww/performance/results.json"))) as? [String: Any])
        let r = try #require(runnerJSON.first), t = try #require((ourJSON["streams"] as? [[String: Any]])?.first)
        #expect((r["infer"] as? [String: Any])?["detections"] as? [Int] == t["detectionsMilliseconds"] as? [Int])
        #expect(r["activations"] as? [Int] == t["activations"] as? [Int])
        let rd = try #require(r["dutycycle"] as? [String: Any]), td = try #require(t["dutyCycle"] as? [String: Any])
        #expect((rd["start_times_s"] as? [Double])?.map { Int(($0 / 10e-6).rounded()) } == t["dutyCycleStartTicks"] as? [Int])
        #expect(rd["duty_cycle"] as? Double == td["dutyCycle"] as? Double)
        #expect(rd["processing_time"] as? Double == td["processingSeconds"] as? Double)
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
