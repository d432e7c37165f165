import Foundation
import Testing
import TestSupport

/// `tinybench lab` hosting the emulated bench, `tinybench --mode energy`
/// against it through the real serial path, and the submission tree.
@Suite(.serialized)
struct EnergyCommandTests {
    @Test func energyModeAgainstTheLabOnItsPseudoTerminals() throws {
        let model = HarnessData.demo.appendingPathComponent("models/ad01.tflite").path
        let (pid, lines) = try CLI.start(["lab", "--model", model, "--benchmark", "ad01", "--monitor", "ppk2", "--exit-with-parent"], lines: 3)
        defer { CLI.stop(pid) }
        let interface = try #require(lines.first { $0.hasPrefix("interface: ") }).dropFirst(11)
        let monitor = try #require(lines.first { $0.hasPrefix("monitor: ") }).dropFirst(9)
        let truthLine = try #require(lines.first { $0.hasPrefix("true energy (cost model): ") })
        let truth = try #require(Double(truthLine.split(separator: " ")[4]))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-energy-cli-\(UUID().uuidString)")
        let r = try CLI.run(["ad", "--mode", "energy", "--interface", String(interface), "--monitor", "ppk2:\(monitor)",
                             "--dataset", HarnessData.demo.path, "--output", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: out.appendingPathComponent("ad/energy/results.txt"), encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("Median energy cost is") })
        let measured = try #require(Double(line.split(separator: " ")[6]))
        #expect(abs(measured / truth - 1) < 0.005, "\(measured) vs \(truth)")
        // Behind a port the emulated DUT describes itself (tb-device), so the result is labelled emulated.
        #expect(text.contains("emulated energy"), "\(text)")
    }

    @Test func energyModeNeedsItsBench() throws {
        let r = try CLI.run(["kws", "--mode", "energy"])
        #expect(r.status != 0 && r.stderr.contains("--interface"), "\(r.stderr)")
        let p = try CLI.run(["kws", "--mode", "energy", "--port", "/dev/null"])
        #expect(p.status != 0 && p.stderr.contains("interface board"), "\(p.stderr)")
        let m = try CLI.run(["kws", "--mode", "energy", "--interface", "/dev/null", "--monitor", "otii:/dev/x"])
        #expect(m.status != 0 && m.stderr.contains("unknown monitor"), "\(m.stderr)")
    }

    @Test func reportLaysOutACheckedSubmissionTree() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-report-\(UUID().uuidString)")
        let session = out.appendingPathComponent("session")
        let a = try CLI.run(["ad", "--mode", "energy", "--emulated-lab", "--dataset", HarnessData.demo.path, "--output", session.path])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try CLI.run(["ad", "--mode", "performance", "--dataset", HarnessData.demo.path, "--output", session.path])
        #expect(b.status == 0, "\(b.stderr)")
        let tree = out.appendingPathComponent("submission")
        // Emulated results pass the check only when allowed, and the output says how many there are.
        let r = try CLI.run(["report", session.path, "--submission", tree.path, "--org", "Acme", "--system", "emu", "--allow-emulated"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("ad01*") && r.stdout.contains("uJ/inf.") && r.stdout.contains("submission check: passed"), "\(r.stdout)")
        #expect(r.stdout.contains("emulated results allowed: 2 result folders are not measurements on a board"), "\(r.stdout)")
        let energy = tree.appendingPathComponent("closed/Acme/results/emu/ad/energy")
        for file in ["log.txt", "results.txt", "results.json", "window-1.json", "window-1.svg"] {
            #expect(FileManager.default.fileExists(atPath: energy.appendingPathComponent(file).path), "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: tree.appendingPathComponent("closed/Acme/systems/emu.json").path))
        // The checker's rules fail loudly: an energy result without its score line.
        let results = energy.appendingPathComponent("results.txt")
        let text = try String(contentsOf: results, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "Median energy cost is", with: "INVALID").utf8).write(to: results)
        let c = try CLI.run(["check-submission", tree.path, "--allow-emulated"])
        #expect(c.status == 1 && c.stderr.contains("no line the checker reads for energy"), "\(c.stderr)")
    }
}
