import Foundation
import Testing
import TestSupport

/// Interrupting a run (SIGINT, SIGTERM, SIGKILL) and `tinybench resume`:
/// what completed is kept, INTERRUPTED results carry no score, and the
/// resumed run's results equal an uninterrupted run's.
@Suite(.serialized)
struct ResumeTests {
    static func lines(_ url: URL) -> Int {
        ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// Starts `tinybench kws --mode accuracy` against `pty` into `output`,
    /// and sends `signal` once at least `after` samples are in samples.jsonl.
    static func interruptedRun(pty: String, dataset: URL, output: URL, signal: Int32, after: Int) throws -> (status: Int32, stdout: String) {
        let out = output.path + ".stdout", err = output.path + ".stderr"
        let pid = try CLI.launch(["kws", "--mode", "accuracy", "--port", pty, "--dataset", dataset.path, "--output", output.path],
                                 stdout: out, stderr: err)
        let samples = output.appendingPathComponent("kws/accuracy/samples.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while lines(samples) < after && Date() < deadline { usleep(20_000) }
        kill(pid, signal)
        let status = CLI.wait(pid)
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The same run without interruption, for comparison.
    static func reference(pty: String, dataset: URL, in root: URL) throws -> URL {
        let output = root.appendingPathComponent("reference")
        let r = try CLI.run(["kws", "--mode", "accuracy", "--port", pty, "--dataset", dataset.path, "--output", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        return output.appendingPathComponent("kws/accuracy")
    }

    static func expectSameResults(_ a: URL, _ b: URL) throws {
        let x = try json(a.appendingPathComponent("results.json")), y = try json(b.appendingPathComponent("results.json"))
        #expect(NSArray(array: x["samples"] as? [Any] ?? []).isEqual(to: y["samples"] as? [Any] ?? [0]), "per-sample results differ")
        #expect(x["top1"] as? Double == y["top1"] as? Double)
        #expect(try String(contentsOf: a.appendingPathComponent("results.txt"), encoding: .utf8)
                == String(contentsOf: b.appendingPathComponent("results.txt"), encoding: .utf8))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: a.path)) == Set(try FileManager.default.contentsOfDirectory(atPath: b.path)))
    }

    @Test func sigintDuringAccuracyThenResumeEqualsAnUninterruptedRun() throws {
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 120)
        let dut = try SeveralDUTsTests.emulator("kws01")
        defer { CLI.stop(dut.pid) }
        let output = root.appendingPathComponent("session")
        let (status, stdout) = try Self.interruptedRun(pty: dut.pty, dataset: root, output: output, signal: SIGINT, after: 10)
        #expect(status == 130)
        #expect(stdout.contains("INTERRUPTED by SIGINT") && stdout.contains("tinybench resume"), "\(stdout)")
        let folder = output.appendingPathComponent("kws/accuracy")
        let text = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        let completed = Self.lines(folder.appendingPathComponent("samples.jsonl"))
        #expect(completed >= 10 && completed < 120)
        #expect(text.contains("INTERRUPTED by SIGINT after \(completed) of 120 samples"), "\(text)")
        #expect(!text.contains("Top 1%") && !text.contains("AUC"), "no score line the checker could read")
        #expect(try Self.json(folder.appendingPathComponent("results.json"))["interrupted"] as? Bool == true)

        let r = try CLI.run(["resume", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.expectSameResults(folder, try Self.reference(pty: dut.pty, dataset: root, in: root))
        let log = try String(contentsOf: folder.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("# resumed: \(completed) record(s)"))
    }

    @Test func sigkillLosesAtMostTheSampleInFlight() throws {
        // Enough samples that the run is still going when the kill comes on a loaded machine (60 take under a second).
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 400)
        let dut = try SeveralDUTsTests.emulator("kws01")
        defer { CLI.stop(dut.pid) }
        let output = root.appendingPathComponent("session")
        let (status, _) = try Self.interruptedRun(pty: dut.pty, dataset: root, output: output, signal: SIGKILL, after: 5)
        #expect(status == 128 + SIGKILL)
        let folder = output.appendingPathComponent("kws/accuracy")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("results.json").path))
        // A record cut short by the kill is dropped on resume.
        let handle = try FileHandle(forWritingTo: folder.appendingPathComponent("samples.jsonl"))
        handle.seekToEndOfFile()
        handle.write(Data("{\"file\":\"tst_0".utf8))
        try handle.close()
        // The port may have moved: connection options replace the session's.
        let r = try CLI.run(["resume", output.path, "--port", dut.pty])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.expectSameResults(folder, try Self.reference(pty: dut.pty, dataset: root, in: root))
    }

    @Test func resumeRefusesADifferentDatasetOrDUT() throws {
        let root = try SeveralDUTsTests.demoSubset("kws01", count: 80)
        let dut = try SeveralDUTsTests.emulator("kws01")
        defer { CLI.stop(dut.pid) }
        let output = root.appendingPathComponent("session")
        let (status, _) = try Self.interruptedRun(pty: dut.pty, dataset: root, output: output, signal: SIGTERM, after: 5)
        #expect(status == 143)
        // One byte of one sample changes: the dataset's checksum no longer matches.
        let rows = try String(contentsOf: root.appendingPathComponent("kws01/y_labels.csv"), encoding: .utf8).split(separator: "\n")
        let sample = root.appendingPathComponent("kws01").appendingPathComponent(String(rows[70].split(separator: ",")[0]))
        var bytes = [UInt8](try Data(contentsOf: sample))
        bytes[0] ^= 1
        try Data(bytes).write(to: sample)
        let r = try CLI.run(["resume", output.path])
        #expect(r.status == 1 && r.stderr.contains("cannot resume") && r.stderr.contains("the dataset's files differ"), "\(r.stderr)")
        // Not a session folder at all.
        let none = try CLI.run(["resume", root.path])
        #expect(none.status == 1 && none.stderr.contains("no run.json"), "\(none.stderr)")
    }

    /// Energy mode on the emulated lab: SIGINT after the first window stops
    /// the acquisition, powers the DUT off, leaves an INTERRUPTED energy result;
    /// resume measures the remaining windows only.
    @Test func sigintDuringEnergyThenResume() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-resume-energy-\(UUID().uuidString)")
        let pid = try CLI.launch(["ad", "--mode", "energy", "--emulated-lab", "--dataset", HarnessData.demo.path,
                                  "--output", output.path, "--min-window-seconds", "1"],
                                 stdout: output.path + ".stdout", stderr: output.path + ".stderr")
        let folder = output.appendingPathComponent("ad/energy")
        let deadline = Date().addingTimeInterval(60)
        while Self.lines(folder.appendingPathComponent("samples.jsonl")) < 1 && Date() < deadline { usleep(20_000) }
        kill(pid, SIGINT)
        #expect(CLI.wait(pid) == 130)
        let text = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        #expect(text.contains("INTERRUPTED by SIGINT after") && !text.contains("Median energy cost is"), "\(text)")
        let kept = Self.lines(folder.appendingPathComponent("samples.jsonl"))
        #expect(kept >= 1 && kept < 5)
        let r = try CLI.run(["resume", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        let done = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        #expect(done.contains("Median energy cost is") && done.split(separator: "\n").filter { $0.contains(": window ") }.count == 5, "\(done)")
        let log = try String(contentsOf: folder.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("# resumed: \(kept) record(s)"))
    }
}
