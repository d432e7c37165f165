import Foundation
import Testing

/// `tinybench --port <pty> kws` against `tinybench emulate --pty`: the whole
/// serial code path, as a user runs it.
@Suite(.serialized, .enabled(if: CLI.conformance != nil, "../shared/conformance is absent"))
struct HarnessTests {
    @Test func kwsOverAPseudoTerminal() throws {
        let (emulator, line) = try CLI.start(["emulate", "--model", CLI.model("kws01"), "--benchmark", "kws01", "--pty"])
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
            let input = CLI.conformance!.appendingPathComponent(String(format: "kws01/cases/%03d.in", i + 4))
            let run = try CLI.run(["model", "run", CLI.model("kws01"), "--input", input.path])
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
        #expect(log.contains("> db load 490%") && log.contains("< m-lap-us-"))
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("kws/accuracy/results.json"))) as? [String: Any]
        #expect(((manifest?["manifest"] as? [String: Any])?["port"] as? String) == pty)
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
