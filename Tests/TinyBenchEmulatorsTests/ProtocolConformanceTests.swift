import Foundation
import Testing
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// `ProtocolConformance` (`tinybench dut check`) in process: every point
/// passes on the emulated DUT for each benchmark, an energy build's missing
/// laps are a warning, and the points' parsing helpers hold to the runner's patterns.
struct ProtocolConformanceTests {
    @Test(arguments: ["kws01", "vww01", "ad01", "ic01"])
    func everyPointPassesOnTheEmulatedDUT(name: String) throws {
        let dut = try EmulatedDUT(model: SharedModels.anyModel(name), benchmark: Benchmark.named(name)!)
        var reported = [String]()
        let checks = ProtocolConformance(transport: EmulatedTransport(dut: dut), label: "in-process").run { reported.append($0.name) }
        #expect(checks.map(\.name) == reported)
        #expect(checks.count == 9)
        for c in checks { #expect(c.status == .pass, "\(c.name): \(c.detail)") }
        #expect(ProtocolConformance.passed(checks))
        // The input is the benchmark's size: 31-byte chunks of it.
        let bytes = Benchmark.named(name)!.inputBytes
        #expect(checks[2].detail.hasPrefix("\(bytes) bytes in \((bytes + 30) / 31) db commands"), "\(checks[2].detail)")
    }

    @Test func anEnergyBuildHasNoLapsToCheck() throws {
        let dut = try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01, timestampMode: .energy)
        let checks = ProtocolConformance(transport: EmulatedTransport(dut: dut), label: "in-process").run()
        let laps = try #require(checks.first { $0.name == "m-lap-us laps" })
        #expect(laps.status == .warning, "\(laps.detail)")
        #expect(ProtocolConformance.passed(checks), "\(checks.filter { $0.status == .fail })")
    }
}
