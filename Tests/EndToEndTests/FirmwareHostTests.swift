import Foundation
import Testing
import TestSupport

/// The firmware's C runtime, compiled for this machine with the host C
/// compiler, runs models made by `tinybench firmware generate`: its outputs
/// must be TFLM's golden outputs (../shared) and TinyRuntime's, byte for byte.
/// The same C sources are what the Cortex-M builds compile.
@Suite(.serialized)
struct FirmwareHostTests {
    static let firmware = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware")

    /// Generates and compiles a host runner for `model`; returns its path.
    static func buildRunner(model: String, benchmark: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-fw-\(UUID().uuidString)")
        let generated = try CLI.run(["firmware", "generate", "--model", model, "--benchmark", benchmark, "--out", dir.path])
        try #require(generated.status == 0, "\(generated.stderr)")
        let runtime = firmware.appendingPathComponent("runtime")
        let sources = try FileManager.default.contentsOfDirectory(atPath: runtime.path).filter { $0.hasSuffix(".c") }.sorted()
            .map { runtime.appendingPathComponent($0).path }
        let runner = dir.appendingPathComponent("runner").path
        let cc = try CLI.runTool("cc", ["-std=c11", "-O2", "-fwrapv", "-Wall", "-Wextra", "-Werror", "-I", runtime.path] + sources
            + [dir.appendingPathComponent("model.c").path, firmware.appendingPathComponent("tests/host_runner.c").path, "-o", runner])
        try #require(cc.status == 0, "cc failed: \(cc.stderr)")
        return runner
    }

    /// Runs `runner` over (input, output, layer-dump folder or "-") triples.
    static func run(_ runner: String, _ jobs: [(String, String, String)]) throws {
        let r = try CLI.runTool(runner, [], input: jobs.map { "\($0.0) \($0.1) \($0.2)\n" }.joined())
        try #require(r.status == 0, "\(r.stderr)")
    }

    @Test(.enabled(if: CLI.conformance != nil, CLI.skipReason), arguments: ["kws01", "vww01", "ad01", "ic01", "ic02", "sww01"])
    func everyConformanceCaseIsTFLMs(model: String) throws {
        let runner = try Self.buildRunner(model: CLI.model(model), benchmark: model)
        let cases = CLI.conformance!.appendingPathComponent("\(model)/cases")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: cases.path).filter { $0.hasSuffix(".in") }.sorted()
        let outDir = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-fw-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        // Cases with TFLM's intermediate tensors dumped get every layer's output compared too.
        let dumped = Set(try FileManager.default.contentsOfDirectory(atPath: cases.path).filter { $0.hasSuffix(".tensors") })
        var jobs = [(String, String, String)]()
        for input in inputs {
            let id = input.replacingOccurrences(of: ".in", with: "")
            var dumps = "-"
            if dumped.contains(id + ".tensors") {
                dumps = outDir.appendingPathComponent(id + ".layers").path
                try FileManager.default.createDirectory(atPath: dumps, withIntermediateDirectories: true)
            }
            jobs.append((cases.appendingPathComponent(input).path, outDir.appendingPathComponent(input + ".out").path, dumps))
        }
        try Self.run(runner, jobs)
        var differing = [String]()
        for input in inputs {
            let golden = try Data(contentsOf: cases.appendingPathComponent(input.replacingOccurrences(of: ".in", with: ".out")))
            if try Data(contentsOf: outDir.appendingPathComponent(input + ".out")) != golden { differing.append(input) }
        }
        #expect(!inputs.isEmpty)
        #expect(differing.isEmpty, "\(model): \(differing.count) of \(inputs.count) cases differ from TFLM: \(differing.prefix(5))")
        var layersChecked = 0
        for dir in dumped.sorted() {
            let id = dir.replacingOccurrences(of: ".tensors", with: "")
            let ours = outDir.appendingPathComponent(id + ".layers")
            for file in try FileManager.default.contentsOfDirectory(atPath: ours.path).sorted() {
                let tensor = String(file.prefix(3))
                let theirs = try FileManager.default.contentsOfDirectory(atPath: cases.appendingPathComponent(dir).path)
                    .first { $0.hasPrefix(tensor + "_") }
                let golden = try #require(theirs.map { cases.appendingPathComponent("\(dir)/\($0)") }, "no TFLM dump of tensor \(tensor)")
                #expect(try Data(contentsOf: ours.appendingPathComponent(file)) == Data(contentsOf: golden),
                        "\(model) case \(id): layer output tensor \(tensor) differs from TFLM")
                layersChecked += 1
            }
        }
        #expect(layersChecked > 0)
    }

    /// The bundled demo models (always present): the firmware agrees with TinyRuntime (`tinybench model run`).
    @Test(arguments: ["kws01", "vww01", "ad01", "ic01", "ic02"])
    func demoModelsAgreeWithTinyRuntime(model: String) throws {
        let path = HarnessData.demo.appendingPathComponent("models/\(model).tflite").path
        let runner = try Self.buildRunner(model: path, benchmark: model)
        var pairs = [(String, String, String)]()
        for i in 0..<3 {
            let input: [UInt8]
            if model == "ad01" {
                // A 640-value int8 window: any bytes are a valid quantized input.
                input = (0..<640).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ i &* 11) }
            } else {
                input = try HarnessData.modelInput(model, i)
            }
            let inPath = try CLI.temporaryFile(input, name: "\(model)-\(i).in")
            pairs.append((inPath, inPath + ".out", "-"))
        }
        try Self.run(runner, pairs)
        for (inPath, outPath, _) in pairs {
            let expected = try CLI.run(["model", "run", path, "--input", inPath])
            let hex = try Data(contentsOf: URL(fileURLWithPath: outPath)).map { String(format: "%02x", $0) }.joined()
            #expect(expected.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == hex, "\(model) \(inPath)")
        }
    }

    @Test func unsupportedModelsAreAClearError() throws {
        // MEAN runs on TinyRuntime but not on the firmware: generation names the operator.
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TinyRuntimeTests/Fixtures/ops")
        let model = fixtures.appendingPathComponent("mean_hw/model.tflite").path
        let r = try CLI.run(["firmware", "generate", "--model", model, "--benchmark", "kws01", "--out", FileManager.default.temporaryDirectory.path])
        #expect(r.status == 1 && r.stderr.contains("MEAN") && r.stderr.contains("not implemented by the firmware"), "\(r.stderr)")
    }
}
