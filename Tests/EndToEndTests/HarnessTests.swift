import Foundation
import Testing
import TestSupport

/// `tinybench --port <pty> kws` against `tinybench emulate --pty`: the whole
/// serial code path, as a user runs it.
@Suite(.serialized)
struct HarnessTests {
    /// The reference model of `id` when ../shared is present, else the bundled demo model.
    static func modelPath(_ id: String) throws -> String {
        try CLI.temporaryFile(HarnessData.modelBytes(id), name: "\(id).tflite")
    }

    @Test func kwsOverAPseudoTerminal() throws {
        let model = try Self.modelPath("kws01")
        let (emulator, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(emulator) }
        #expect(line.hasPrefix("pty: /dev/"))
        let pty = String(line.dropFirst(5))
        // A dataset of conformance inputs; labels are what `tinybench model run` predicts for
        // even files and something else for odd ones, so top-1 must be exactly 50 %.
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)")
        let dir = root.appendingPathComponent("kws01")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var rows = [String]()
        for i in 0..<6 {
            let input = URL(fileURLWithPath: try CLI.temporaryFile(HarnessData.modelInput("kws01", i + 4), name: "in\(i).bin"))
            let run = try CLI.run(["model", "run", model, "--input", input.path])
            let hex = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let values = stride(from: 0, to: hex.count, by: 2).map { k -> Int8 in
                let s = hex.index(hex.startIndex, offsetBy: k)
                return Int8(bitPattern: UInt8(hex[s..<hex.index(s, offsetBy: 2)], radix: 16)!)
            }
            let argmax = values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
            try FileManager.default.copyItem(at: input, to: dir.appendingPathComponent("f\(i).bin"))
            rows.append("f\(i).bin,12,\(i % 2 == 0 ? argmax : (argmax + 1) % 12)")
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        let output = root.appendingPathComponent("session")
        let r = try CLI.run(["kws", "--port", pty, "--dataset", root.path, "--output", output.path, "--min-window-seconds", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        let accuracy = try String(contentsOf: output.appendingPathComponent("kws/accuracy/results.txt"), encoding: .utf8)
        #expect(accuracy.split(separator: "\n").last == "kws accuracy: Top 1% = 50.00")
        let performance = try String(contentsOf: output.appendingPathComponent("kws/performance/results.txt"), encoding: .utf8)
        #expect(performance.contains("Median throughput is"))
        let log = try String(contentsOf: output.appendingPathComponent("kws/performance/log.txt"), encoding: .utf8)
        #expect(log.contains("> load 490 bytes in 1 binary block") && log.contains("< m-lap-us-"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("kws/accuracy/results.json"))) as? [String: Any]
        #expect(((manifest?["manifest"] as? [String: Any])?["port"] as? String) == pty)
        // Paths are written as they are, not as "\/dev\/pts\/3".
        let raw = try String(contentsOf: output.appendingPathComponent("kws/accuracy/results.json"), encoding: .utf8)
        #expect(raw.contains("\"\(pty)\"") && !raw.contains("\\/"), "\(raw.prefix(400))")
        let request = try String(contentsOf: output.appendingPathComponent("run.json"), encoding: .utf8)
        #expect(request.contains("\"\(root.path)\"") && !request.contains("\\/"), "\(request.prefix(400))")
    }

    /// `tinybench all` with no dataset or model: every benchmark runs on the
    /// demo root's data and models (here the reference models and a few
    /// conformance inputs), then one summary table and summary.json. ic02
    /// has no folder of its own: it runs on the ic01 images, as the MLCommons
    /// runner runs it.
    @Test func allUsesTheDemoDefaultsAndSummarises() throws {
        let demo = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: demo.appendingPathComponent("models"), withIntermediateDirectories: true)
        for id in ["kws01", "vww01", "ad01", "ic01", "ic02"] {
            try Data(HarnessData.modelBytes(id)).write(to: demo.appendingPathComponent("models/\(id).tflite"))
        }
        func write(_ id: String, _ files: [(name: String, label: Int, bytes: [UInt8])], extra: String = "") throws {
            let dir = demo.appendingPathComponent(id)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for f in files { try Data(f.bytes).write(to: dir.appendingPathComponent(f.name)) }
            let classes = ["kws01": 12, "vww01": 2, "ic01": 10, "ad01": 2][id]!
            try Data(files.map { "\($0.name),\(classes),\($0.label)\(extra)\n" }.joined().utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        }
        for (id, classes) in [("kws01", 12), ("vww01", 2), ("ic01", 10)] {
            let files = try (0..<classes).map { k -> (name: String, label: Int, bytes: [UInt8]) in
                var bytes = try HarnessData.modelInput(id, k)
                if id != "kws01" { bytes = bytes.map { $0 ^ 0x80 } }   // int8 model input -> uint8 wire format
                return ("s\(k).bin", k, bytes)
            }
            try write(id, files)
        }
        let spectrograms = (0..<4).map { f -> (name: String, label: Int, bytes: [UInt8]) in
            let values = (0..<25_600).map { i in Float(sin(Double(i % 128) * 0.1 + Double(f)) * (f < 2 ? 5 : 20)) }
            return ("a\(f).bin", f < 2 ? 0 : 1, values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
        }
        try write("ad01", spectrograms, extra: ",2560,512")
        let output = demo.appendingPathComponent("session")
        let r = try CLI.run(["all", "--output", output.path, "--min-window-seconds", "1"], environment: ["TINYBENCH_DEMO": demo.path])
        #expect(r.status == 0, "\(r.stderr)")
        let table = r.stdout.split(separator: "\n").map(String.init)
        #expect(table.contains { $0.hasPrefix("benchmark") && $0.contains("throughput") && $0.contains("quality") })
        for id in ["kws01", "vww01", "ad01", "ic01", "ic02"] {
            #expect(table.contains { $0.hasPrefix(id + "*") && $0.contains("inf./s") }, "no row for \(id) in \(r.stdout)")
        }
        #expect(table.contains("session: \(output.path)"))
        #expect(table.contains { $0.hasPrefix("* emulated timing") })
        #expect(table.contains("device: emulated (TinyRuntime + cost model of nucleo-l4r5zi-tflm)"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("summary.json"))) as? [String: Any]
        let rows = json?["rows"] as? [[String: Any]] ?? []
        #expect(rows.map { $0["benchmark"] as? String } == ["kws01", "vww01", "ad01", "ic01", "ic02"])
        #expect(rows.allSatisfy { $0["quality"] is Double && $0["throughput"] is Double && $0["emulated"] as? Bool == true })
        #expect(!FileManager.default.fileExists(atPath: demo.appendingPathComponent("ic02").path))
        let ic2 = try String(contentsOf: output.appendingPathComponent("ic2/accuracy/results.txt"), encoding: .utf8)
        #expect(ic2.contains("target 91 %"), "\(ic2)")
        for short in ["kws", "vww", "ad", "ic", "ic2"] {
            for mode in ["performance", "accuracy"] {
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("\(short)/\(mode)/results.txt").path))
            }
        }
        // A board runs one benchmark only.
        let board = try CLI.run(["all", "--port", "/dev/ttyNOPE9"], environment: ["TINYBENCH_DEMO": demo.path])
        #expect(board.status != 0 && board.stderr.contains("the one benchmark its firmware was built for"))
    }

    @Test func missingPortIsAClearError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("kws01"), withIntermediateDirectories: true)
        try Data("a.bin,12,1\n".utf8).write(to: root.appendingPathComponent("kws01/y_labels.csv"))
        try Data(count: 490).write(to: root.appendingPathComponent("kws01/a.bin"))
        let r = try CLI.run(["kws", "--port", "/dev/ttyNOPE9", "--dataset", root.path])
        #expect(r.status != 0)
        #expect(r.stderr == "error: serial port /dev/ttyNOPE9 does not exist (see `tinybench ports`)\n")
    }
}
