import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators

/// A stop request in the middle of performance mode, and resuming it.
struct InterruptionTests {
    static func performance(_ root: URL, output: URL, resume: Bool, stopAfterWindow: Int? = nil) throws -> Session.ModeResult {
        let session = try SessionTests.session(.kws01, dataset: root, mode: .performance, output: output)
        let interruption = Interruption()
        session.interruption = interruption
        session.resume = resume
        if let stopAfterWindow {
            session.progress = { done, _, phase in
                if phase.hasPrefix("performance window") && done == stopAfterWindow { interruption.request(SIGTERM) }
            }
        }
        return try session.run(.performance)
    }

    @Test func performanceStopsAfterTheWindowInFlightAndResumesTheRest() throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let reference = try Self.performance(root, output: SessionTests.tempDir(), resume: false)
        let output = SessionTests.tempDir()
        #expect {
            _ = try Self.performance(root, output: output, resume: false, stopAfterWindow: 2)
        } throws: { error in
            "\(error)".contains("interrupted by SIGTERM")
        }
        let folder = output.appendingPathComponent("kws/performance")
        let text = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        #expect(text.contains("INTERRUPTED by SIGTERM after 2 of 5 windows") && !text.contains("Median throughput is"), "\(text)")
        let resumed = try Self.performance(root, output: output, resume: true)
        #expect(resumed.throughput == reference.throughput)
        struct Report: Decodable { var windows: [PerformanceWindow]; var interrupted: Bool? }
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: folder.appendingPathComponent("results.json")))
        #expect(report.windows.count == 5 && report.interrupted == nil)
        #expect(report.windows.map(\.file) == (0..<5).map { "f\($0).bin" })
    }
}
