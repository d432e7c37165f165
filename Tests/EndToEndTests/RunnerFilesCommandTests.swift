import Foundation
import Testing
import TestSupport

/// `--devices` (the MLCommons runner's devices.yaml) and `--tests` (its tests
/// YAML) through the CLI, against emulated DUTs and the emulated lab on
/// pseudo-terminals named with the `port:` extension.
@Suite(.serialized)
struct RunnerFilesCommandTests {
    static func temporary(_ name: String, _ text: String) throws -> String {
        try CLI.temporaryFile(Array(text.utf8), name: name)
    }

    /// Two DUT entries in the runner's format, each on its pty, checked by name.
    static func devices(_ ptys: [String], checkName: String = "TinyBench emulated DUT") -> String {
        ptys.enumerated().map { i, pty in
            """
            - name: l4r5zi-\(i + 1)
              type: dut
              baud:
                energy: 9600
                performance: 115200
                accuracy: 115200
              usb:
                0x0483: 0x374B
              check_name: \(checkName)
              port: \(pty)   # TinyBench's extension: the emulated DUT's pseudo-terminal

            """
        }.joined()
    }

    @Test func aDevicesFileWithTwoDUTsSharesTheAccuracyRun() throws {
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 24)
        let a = try SeveralDUTsTests.emulator("kws01"), b = try SeveralDUTsTests.emulator("kws01")
        defer { CLI.stop(a.pid); CLI.stop(b.pid) }
        let file = try Self.temporary("devices.yaml", Self.devices([a.pty, b.pty]))
        let viaFile = root.appendingPathComponent("file"), direct = root.appendingPathComponent("direct")
        let r = try CLI.run(["kws", "--mode", "accuracy", "--devices", file, "--dataset", root.path, "--output", viaFile.path])
        #expect(r.status == 0, "\(r.stderr)")
        let d = try CLI.run(["kws", "--mode", "accuracy", "--port", a.pty, "--dataset", root.path, "--output", direct.path])
        #expect(d.status == 0, "\(d.stderr)")
        let shared = try SeveralDUTsTests.json(viaFile.appendingPathComponent("kws/accuracy/results.json"))
        let alone = try SeveralDUTsTests.json(direct.appendingPathComponent("kws/accuracy/results.json"))
        #expect(NSArray(array: shared["samples"] as? [Any] ?? []).isEqual(to: alone["samples"] as? [Any] ?? [1]))
        #expect((shared["manifest"] as? [String: Any])?["accuracyPeers"] as? [String] == [b.pty])

        // A DUT that gives another name is not associated, and the error says what was looked for.
        let wrong = try Self.temporary("devices.yaml", Self.devices([a.pty], checkName: "l4r5zi"))
        let w = try CLI.run(["kws", "--mode", "accuracy", "--devices", wrong, "--dataset", root.path, "--output", viaFile.path])
        #expect(w.status != 0 && w.stderr.contains("no dut found") && w.stderr.contains("l4r5zi"), "\(w.stderr)")
    }

    @Test func aTestsFileNamesTheDatasetAndTheCounts() throws {
        let subset = try SeveralDUTsTests.demoSubset("kws01", count: 10)
        // The runner's layout: the script's `model:` folder and its truth file.
        let root = subset.appendingPathComponent("datasets")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: subset.appendingPathComponent("kws01"), to: root.appendingPathComponent("kws_set"))
        try FileManager.default.moveItem(at: root.appendingPathComponent("kws_set/y_labels.csv"),
                                         to: root.appendingPathComponent("kws_set/truth.csv"))
        func script(_ steps: String) -> String {
            """
            kws01:
              name: keyword_spotting
              model: kws_set
              truth_file: truth.csv
              script:
            \(steps)
            sww01:
              name: streaming_wakeword
              model: sww01
              truth_file: sww_long_test.json
              script:
                - stream
            """
        }
        let accuracy = try Self.temporary("tests_accuracy.yaml", script("    - loop 6:\n      - download\n      - infer 1 0"))
        let out = subset.appendingPathComponent("session")
        let a = try CLI.run(["kws", "--mode", "accuracy", "--tests", accuracy, "--dataset", root.path, "--output", out.path])
        #expect(a.status == 0, "\(a.stderr)")
        let samples = try #require(try SeveralDUTsTests.json(out.appendingPathComponent("kws/accuracy/results.json"))["samples"] as? [Any])
        #expect(samples.count == 6, "loop 6: the first six files")

        let performance = try Self.temporary("tests_performance.yaml", script("    - loop 3:\n      - download\n      - infer 70 2"))
        let p = try CLI.run(["kws", "--mode", "performance", "--tests", performance, "--dataset", root.path, "--output", out.path,
                             "--min-window-seconds", "1"])
        #expect(p.status == 0, "\(p.stderr)")
        let windows = try #require(try SeveralDUTsTests.json(out.appendingPathComponent("kws/performance/results.json"))["windows"] as? [[String: Any]])
        #expect(windows.count == 3)
        #expect(windows.allSatisfy { $0["warmups"] as? Int == 2 && ($0["inferences"] as? Int ?? 0) >= 70 })
        let text = try String(contentsOf: out.appendingPathComponent("kws/performance/results.txt"), encoding: .utf8)
        #expect(text.contains("NON-COMPLIANT run: 3 windows"), "\(text)")

        // One mode per tests file, as the runner has them.
        let both = try CLI.run(["kws", "--tests", performance, "--dataset", root.path, "--output", out.path])
        #expect(both.status != 0 && both.stderr.contains("describes one mode"), "\(both.stderr)")
    }

    @Test func energyModeFromADevicesFile() throws {
        let model = HarnessData.demo.appendingPathComponent("models/ad01.tflite").path
        let (pid, lines) = try CLI.start(["lab", "--model", model, "--benchmark", "ad01", "--monitor", "ppk2", "--exit-with-parent"], lines: 3)
        defer { CLI.stop(pid) }
        let interface = try #require(lines.first { $0.hasPrefix("interface: ") }).dropFirst(11)
        let monitor = try #require(lines.first { $0.hasPrefix("monitor: ") }).dropFirst(9)
        let file = try Self.temporary("devices.yaml", """
            - name: stm32h573i-dk
              type: interface
              preference: 2
              baud: 115200
              port: \(interface)
            - name: ppk2
              type: power
              voltage: 3.0
              port: \(monitor)
            - name: l4r5zi
              type: dut
              baud:
                energy: 9600
                performance: 115200
                accuracy: 115200
              usb:
                0x0483: 0x374B
            """)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-devices-energy-\(UUID().uuidString)")
        let r = try CLI.run(["ad", "--mode", "energy", "--devices", file, "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: out.appendingPathComponent("ad/energy/results.txt"), encoding: .utf8)
        #expect(text.contains("Median energy cost is") && text.contains("emulated energy"), "\(text)")
        let manifest = try #require(try SeveralDUTsTests.json(out.appendingPathComponent("ad/energy/results.json"))["manifest"] as? [String: Any])
        #expect((manifest["monitor"] as? [String: Any])?["model"] as? String == "PPK2")
        #expect(manifest["port"] as? String == String(interface))
    }
}
