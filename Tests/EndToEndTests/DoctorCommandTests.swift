import Foundation
import Testing
import TestSupport

/// `tinybench doctor`: a DUT that answers passes, a missing port or monitor
/// the bench needs fails with its fix, and other programs holding a port are named.
struct DoctorCommandTests {
    @Test func anAnsweringDUTPassesAndItsHolderIsNamed() throws {
        let model = HarnessData.demo.appendingPathComponent("models/kws01.tflite").path
        let (pid, line) = try CLI.start(["emulate", "--model", model, "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        defer { CLI.stop(pid) }
        let port = String(line.dropFirst("pty: ".count))
        let r = try CLI.run(["doctor", "--port", port])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ok    DUT on \(port): answers at 115200 baud: 'TinyBench emulated DUT', model kws01"), "\(r.stdout)")
        #expect(r.stdout.contains("also open in tinybench (pid \(pid))"), "\(r.stdout)")
        let json = try CLI.run(["doctor", "--port", port, "--json"])
        let checks = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(checks.contains { $0["name"] as? String == "DUT on \(port)" && $0["status"] as? String == "pass" && $0["required"] as? Bool == true })
    }

    @Test func whatTheBenchNeedsAndLacksFailsWithAFix() throws {
        let r = try CLI.run(["doctor", "--port", "/dev/ttyNOPE9", "--monitor", "js220"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL  port /dev/ttyNOPE9: does not exist") && r.stdout.contains("fix: check the cable"))
        // No JS220 on a CI machine: needed here, so a failure with what to do.
        #expect(r.stdout.contains("FAIL  JS220 (libusb): no JS220 (USB 16d0:10ba) is connected"), "\(r.stdout)")
        // A pseudo-terminal whose emulator has stopped is gone: needed, so a failure.
        let (pid, line) = try CLI.start(["emulate", "--model", HarnessData.demo.appendingPathComponent("models/kws01.tflite").path,
                                         "--benchmark", "kws01", "--pty", "--exit-with-parent"])
        CLI.stop(pid)
        let gone = String(line.dropFirst("pty: ".count))
        let probe = try CLI.run(["doctor", "--port", gone])
        #expect(probe.status == 1, "\(probe.stdout)")
        // Without options nothing is required: informative only.
        #expect(try CLI.run(["doctor"]).status == 0)
    }
}
