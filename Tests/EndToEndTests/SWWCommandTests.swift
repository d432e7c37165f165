import Foundation
import Testing
import TestSupport

/// `tinybench sww` end to end on the emulated bench with the bundled demo
/// stream and model: the results folder the submission checker reads, energy
/// mode with its plot, the submission tree and the checker's sww rules, and
/// the errors a user meets.
@Suite(.serialized)
struct SWWCommandTests {
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-sww-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Performance and energy of the demo stream in one session, laid out as a
    /// submission: closed fails on the checker's TP + FN = 50 rule (the demo
    /// stream has 7 wakewords), open passes with emulated results allowed.
    @Test func demoStreamRunsScoresAndFormsASubmission() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let session = root.appendingPathComponent("session")
        let run = try CLI.run(["sww", "--output", session.path])
        #expect(run.status == 0, "\(run.stderr)")
        let performance = session.appendingPathComponent("sww/performance")
        let results = try Self.text(performance.appendingPathComponent("results.txt"))
        let accuracy = try #require(results.split(separator: "\n").first { $0.hasPrefix("Accuracy: ") })
        let counts = accuracy.split(separator: " ").compactMap { Int($0) }
        #expect(counts.count == 3 && counts[0] + counts[1] == 7 && counts[0] >= 6 && counts[2] <= 2, "\(accuracy)")
        #expect(results.contains("Estimated throughput: ") && results.contains(" inf./sec. (emulated)"))
        #expect(results.contains("Average duty cycle: ") && results.contains("Device: emulated sww01 DUT"))
        #expect(run.stdout.contains(String(accuracy)) && run.stdout.contains("note (closed division): TP + FN = 7"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: performance.appendingPathComponent("results.json"))) as? [String: Any])
        let manifest = try #require(json["manifest"] as? [String: Any])
        #expect(manifest["emulated"] as? Bool == true && manifest["benchmark"] as? String == "sww01")
        let stream = try #require((json["streams"] as? [[String: Any]])?.first)
        #expect((stream["detectionsMilliseconds"] as? [Int])?.first.map { $0 > 0 } == true)
        // 24 s of whole 4 KiB refills: 750 frames, each scored by the DUT.
        #expect((stream["activations"] as? [Int])?.count == 750)
        let log = try Self.text(performance.appendingPathComponent("log.txt"))
        for line in ["> board: record_detections%", "> board: play sww_demo_24s.wav%", "> start%", "< target activations: "] {
            #expect(log.contains(line), "log.txt lacks \(line)")
        }

        let report = try Self.text(session.appendingPathComponent("report.html"))
        #expect(report.contains("id=\"sww-timeline-performance-1\"") && report.contains("Accuracy: \(counts[0]) True positives"))

        let energy = try CLI.run(["sww", "--output", session.path, "--monitor", "lpm01a"])
        #expect(energy.status == 0, "\(energy.stderr)")
        #expect(energy.stdout.contains(" mW over ") && energy.stdout.contains("(emulated: modelled power, not a measurement)"), "\(energy.stdout)")
        let energyFolder = session.appendingPathComponent("sww/energy")
        let png = try Data(contentsOf: energyFolder.appendingPathComponent("energy_inf_000.png"))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let energyText = try Self.text(energyFolder.appendingPathComponent("results.txt"))
        let powerLine = try #require(energyText.split(separator: "\n").first { $0.contains("Power         : ") })
        let milliwatts = try #require(powerLine.split(separator: " ").compactMap { Double($0) }.first)
        // Between the profile's idle (10 mW) and active (40.5 mW) power, as the duty cycle mixes them.
        #expect(milliwatts > 10 && milliwatts < 40.5, "\(powerLine)")
        #expect(energyText.contains("Monitor: LPM01A") && energyText.contains("Average duty cycle: "))
        let both = try Self.text(session.appendingPathComponent("report.html"))
        #expect(both.contains("id=\"sww-timeline-energy-1\"") && both.contains("id=\"sww-energy-1\""))

        let tree = root.appendingPathComponent("tree")
        let closed = try CLI.run(["report", session.path, "--submission", tree.path, "--allow-emulated"])
        #expect(closed.status == 1)
        #expect(closed.stderr.contains("sww/performance/results.txt: TP + FN = 7, not the 50 wakewords"))
        #expect(closed.stderr.contains("sww/energy/results.txt: TP + FN = 7"))
        for file in ["performance/results.txt", "performance/results.json", "performance/log.txt", "energy/energy_inf_000.png"] {
            #expect(FileManager.default.fileExists(atPath: tree.appendingPathComponent("closed/TinyBench/results/dut/sww/\(file)").path), "\(file)")
        }
        let open = try CLI.run(["report", session.path, "--submission", root.appendingPathComponent("open-tree").path,
                                "--division", "open", "--allow-emulated"])
        #expect(open.status == 0, "\(open.stderr)")
        let strict = try CLI.run(["check-submission", root.appendingPathComponent("open-tree").path])
        #expect(strict.status == 1 && strict.stderr.contains("emulated result"))
    }

    /// The 5-minute synthetic stream with the checker's 50 wakewords (made
    /// now by `demodata --long-stream`, with espeak-ng) through the emulated
    /// bench, performance and energy: the tree passes the closed division's
    /// sww rules (TP + FN = 50, FN ≤ 8, FP ≤ 8) with emulated results allowed.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng"), "espeak-ng is not installed"))
    func fiftyWakewordsPassTheClosedDivisionRules() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let demodata = CLI.binary.deletingLastPathComponent().appendingPathComponent("demodata").path
        let made = try CLI.runTool(demodata, ["--out", root.path, "--benchmarks", "sww01", "--long-stream"])
        try #require(made.status == 0, "\(made.stderr)")
        let truth = root.appendingPathComponent("sww01/sww_long_test.json").path
        let session = root.appendingPathComponent("session").path
        for extra in [[], ["--monitor", "lpm01a"]] {
            let run = try CLI.run(["sww", "--truth", truth, "--output", session] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            print("sww01 long demo stream \(extra): " + run.stdout.split(separator: "\n").filter { $0.hasPrefix("Accuracy") || $0.contains("Power  ") }.joined(separator: "; "))
            #expect(!run.stdout.contains("note (closed division)"), "\(run.stdout)")
        }
        let tree = root.appendingPathComponent("tree").path
        let report = try CLI.run(["report", session, "--submission", tree, "--allow-emulated"])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("emulated results allowed: 2 result folders"))
    }

    /// A results.txt without the checker's sww lines fails check-submission, line by line.
    @Test func aResultsFileWithoutTheCheckersLinesFails() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let session = root.appendingPathComponent("session")
        #expect(try CLI.run(["sww", "--output", session.path]).status == 0)
        let tree = root.appendingPathComponent("tree")
        _ = try CLI.run(["report", session.path, "--submission", tree.path, "--division", "open", "--allow-emulated"])
        let results = tree.appendingPathComponent("open/TinyBench/results/dut/sww/performance/results.txt")
        let kept = try Self.text(results).split(separator: "\n").filter { !$0.hasPrefix("Estimated throughput") }
        try Data((kept.joined(separator: "\n") + "\n").utf8).write(to: results)
        let check = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(check.status == 1 && check.stderr.contains("Estimated throughput"), "\(check.stderr)")
    }

    @Test func streamsNotOnTheCardAndBadOptionsAreClearErrors() throws {
        let root = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let truth = root.appendingPathComponent("t.json")
        try Data("[{\"wav_file\": \"missing.wav\", \"length_sec\": 5, \"detection_windows\": [[1, 2]]}]".utf8).write(to: truth)
        let missing = try CLI.run(["sww", "--truth", truth.path, "--output", root.appendingPathComponent("s").path])
        #expect(missing.status == 1 && missing.stderr.contains("missing.wav is not on the interface board's SD card"), "\(missing.stderr)")
        let noStream = try CLI.run(["sww", "--stream", "nothing.wav", "--output", root.appendingPathComponent("s2").path])
        #expect(noStream.status == 1 && noStream.stderr.contains("no stream 'nothing.wav'"), "\(noStream.stderr)")
        #expect(try CLI.run(["sww", "--port", "/dev/ttyACM0"]).status == 64)
        #expect(try CLI.run(["sww", "--interface", "/dev/ttyACM0", "--model", "m.tflite"]).status == 64)
        #expect(try CLI.run(["sww", "--interface", "/dev/ttyACM0", "--monitor", "lpm01a"]).status == 64)
    }
}
