import Foundation
import Testing
import TestSupport

/// Several DUTs at once: `tinybench` given repeated `--port`s spreads
/// benchmarks over boards by the model their firmware reports, and identical
/// DUTs share one accuracy run with results identical to one DUT's.
@Suite(.serialized)
struct SeveralDUTsTests {
    /// The first `count` files of a bundled demo dataset, as their own dataset root.
    static func demoSubset(_ id: String, count: Int) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-duts-\(UUID().uuidString)")
        let source = HarnessData.demo.appendingPathComponent(id)
        let dir = root.appendingPathComponent(id)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rows = try String(contentsOf: source.appendingPathComponent("y_labels.csv"), encoding: .utf8)
            .split(separator: "\n").prefix(count)
        for row in rows {
            let file = String(row.split(separator: ",")[0])
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        try Data((rows.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("y_labels.csv"))
        return root
    }

    /// `tinybench emulate --pty` for `id` with its demo model; returns the process and its pty.
    static func emulator(_ id: String) throws -> (pid: pid_t, pty: String) {
        let model = HarnessData.demo.appendingPathComponent("models/\(id).tflite").path
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", id, "--pty", "--exit-with-parent"])
        return (pid, String(line.dropFirst("pty: ".count)))
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func twoIdenticalDUTsShareAnAccuracyRunWithIdenticalResults() throws {
        let root = try Self.demoSubset("kws01", count: 36)
        let a = try Self.emulator("kws01"), b = try Self.emulator("kws01")
        defer { CLI.stop(a.pid); CLI.stop(b.pid) }
        let one = root.appendingPathComponent("one"), two = root.appendingPathComponent("two")
        let r1 = try CLI.run(["kws", "--mode", "accuracy", "--port", a.pty, "--dataset", root.path, "--output", one.path])
        #expect(r1.status == 0, "\(r1.stderr)")
        let r2 = try CLI.run(["kws", "--mode", "accuracy", "--port", a.pty, "--port", b.pty, "--dataset", root.path, "--output", two.path])
        #expect(r2.status == 0, "\(r2.stderr)")
        let single = try Self.json(one.appendingPathComponent("kws/accuracy/results.json"))
        let shared = try Self.json(two.appendingPathComponent("kws/accuracy/results.json"))
        let singleSamples = try #require(single["samples"] as? [[String: Any]])
        let sharedSamples = try #require(shared["samples"] as? [[String: Any]])
        #expect(singleSamples.count == 36)
        #expect(NSArray(array: singleSamples).isEqual(to: sharedSamples), "merged samples differ from one DUT's")
        #expect(single["top1"] as? Double == shared["top1"] as? Double)
        let oneText = try String(contentsOf: one.appendingPathComponent("kws/accuracy/results.txt"), encoding: .utf8)
        let twoText = try String(contentsOf: two.appendingPathComponent("kws/accuracy/results.txt"), encoding: .utf8)
        #expect(oneText == twoText)
        // Both DUTs did part of the work, and the manifest says who shared it.
        let log = try String(contentsOf: two.appendingPathComponent("kws/accuracy/log.txt"), encoding: .utf8)
        #expect(log.contains("[dut 1] > load 490 bytes") && log.contains("[dut 2] > load 490 bytes"))
        let manifest = try #require(shared["manifest"] as? [String: Any])
        #expect(manifest["accuracyPeers"] as? [String] == [b.pty])
        // Every completed sample is in samples.jsonl (in the order they completed).
        let lines = try String(contentsOf: two.appendingPathComponent("kws/accuracy/samples.jsonl"), encoding: .utf8)
        #expect(lines.split(separator: "\n").count == 36)
    }

    @Test func allSpreadsBenchmarksOverTheBoardsThatRunThem() throws {
        let root = try Self.demoSubset("kws01", count: 12)
        let ad = try Self.demoSubset("ad01", count: 4)
        try FileManager.default.moveItem(at: ad.appendingPathComponent("ad01"), to: root.appendingPathComponent("ad01"))
        let k = try Self.emulator("kws01"), a = try Self.emulator("ad01")
        defer { CLI.stop(k.pid); CLI.stop(a.pid) }
        let out = root.appendingPathComponent("session")
        let r = try CLI.run(["all", "--port", a.pty, "--port", k.pty, "--dataset", root.path, "--output", out.path,
                             "--min-window-seconds", "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("not run (no DUT of the bench runs them): vww01, ic01"), "\(r.stdout)")
        for short in ["kws", "ad"] {
            for mode in ["performance", "accuracy"] {
                let manifest = try #require(try Self.json(out.appendingPathComponent("\(short)/\(mode)/results.json"))["manifest"] as? [String: Any])
                #expect(manifest["port"] as? String == (short == "kws" ? k.pty : a.pty))
            }
        }
        let summary = try Self.json(out.appendingPathComponent("summary.json"))
        #expect((summary["rows"] as? [[String: Any]])?.map { $0["benchmark"] as? String } == ["kws01", "ad01"])
        // A benchmark named explicitly that no DUT runs is an error.
        let vww = try CLI.run(["vww", "--port", a.pty, "--port", k.pty, "--dataset", root.path, "--output", out.path])
        #expect(vww.status != 0 && vww.stderr.contains("no DUT runs vww01"), "\(vww.stderr)")
    }
}
