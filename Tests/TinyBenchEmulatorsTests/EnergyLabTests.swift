import Foundation
import Testing
import TestSupport
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// Energy mode end to end against the emulated lab, over pseudo-terminals:
/// the host's drivers, interface board client and energy session measure an
/// emulated DUT whose true energy per inference the cost model knows.
@Suite(.serialized)
struct EnergyLabTests {
    struct Outcome {
        var result: Session.ModeResult
        var truth: Double
        var resultsText: String
        var folder: URL
        var monitor: any EnergyMonitor
        var lab: LabServer
    }

    /// One energy run of `benchmark` through a lab with `monitor` and the given faults.
    static func run(_ benchmark: Benchmark, monitor: MonitorKind, lpm: EmulatedLPM01A.Faults = .init(),
                    ppk: EmulatedPPK2.Faults = .init(), js: EmulatedJS220.Faults = .init(), resetBeforeDUTCommand: Int? = nil, windows: Int = 5,
                    configure: (any EnergyMonitor) -> Void = { _ in }) throws -> Outcome {
        let lab = try LabServer(model: try Model(bytes: HarnessData.modelBytes(benchmark.id)), benchmark: benchmark, monitor: monitor,
                                lpmFaults: lpm, ppkFaults: ppk, jsFaults: js)
        lab.interface.resetBeforeDUTCommand = resetBeforeDUTCommand
        lab.start()
        defer { lab.stop() }
        let driver = try lab.openMonitorDriver()
        configure(driver)
        let data = try Dataset(root: HarnessData.demo, benchmark: benchmark)
        let connection = try EnergyBenchConnector.connect(interface: try openSerialPort(path: lab.interfacePath, baud: 115_200),
                                                          port: lab.interfacePath, baud: nil, monitor: driver,
                                                          settings: MonitorSpec(kind: monitor).settings, bootSeconds: 0.05,
                                                          device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        defer { connection.close() }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-energy-\(UUID().uuidString)")
        var settings = SessionSettings()
        settings.mode = .energy
        settings.windows = windows
        let session = Session(client: DUTClient(transport: connection.transport), benchmark: benchmark, dataset: data,
                              settings: settings, manifest: try connection.manifest(for: benchmark, dataset: data), output: output)
        session.monitor = connection.monitor
        let result = try session.energy(bootLines: [])
        let folder = output.appendingPathComponent("\(benchmark.shortName)/energy")
        let text = try String(contentsOf: folder.appendingPathComponent("results.txt"), encoding: .utf8)
        return Outcome(result: result, truth: lab.lab.trueMicrojoulesPerInference, resultsText: text, folder: folder, monitor: driver, lab: lab)
    }

    @Test(arguments: Benchmark.all, [MonitorKind.lpm01a, .ppk2])
    func measuredEnergyIsWithinHalfAPercentOfTheTruth(benchmark: Benchmark, monitor: MonitorKind) throws {
        let o = try Self.run(benchmark, monitor: monitor)
        let measured = try #require(o.result.microjoulesPerInference, "\(o.resultsText)")
        #expect(abs(measured / o.truth - 1) < 0.005, "measured \(measured) uJ/inf., true \(o.truth)")
        #expect(o.result.problems.isEmpty)
        #expect(o.resultsText.contains("Median energy cost is \(String(format: "%.3f", measured)) uJ/inf."))
        #expect(o.resultsText.contains("emulated energy"))
        // Every window: raw samples, events and a plot with the measured interval.
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: o.folder.appendingPathComponent("results.json"))) as! [String: Any]
        #expect((report["windows"] as! [Any]).count == 5 && report["valid"] as! Bool)
        for w in 1...5 {
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: o.folder.appendingPathComponent("window-\(w).json"))) as! [String: Any]
            let count = record["sampleCount"] as! Int
            let samples = try Data(contentsOf: o.folder.appendingPathComponent("window-\(w).samples.f32"))
            #expect(samples.count == count * 4 && (record["events"] as! [Any]).count == 2)
            let svg = try String(contentsOf: o.folder.appendingPathComponent("window-\(w).svg"), encoding: .utf8)
            #expect(svg.contains("measured: ") && svg.contains("event"))
        }
    }

    /// The experimental JS220 driver against the emulated JS220 behind the USB seam.
    @Test(arguments: [Benchmark.kws01, .ad01])
    func theJS220DriverMeasuresTheEmulatedJS220(benchmark: Benchmark) throws {
        let o = try Self.run(benchmark, monitor: .js220)
        let measured = try #require(o.result.microjoulesPerInference, "\(o.resultsText)")
        #expect(abs(measured / o.truth - 1) < 0.005, "measured \(measured) uJ/inf., true \(o.truth)")
        #expect(o.resultsText.contains("not yet verified on hardware"))
        // The instrument's TIMESYNC requests were answered.
        let answered = (o.monitor as! JS220).timesyncAnswers
        #expect(answered > 0 && o.lab.usbMonitor!.timesyncReplies == answered)
    }

    @Test func aLostJS220FrameMakesTheRunInvalid() throws {
        var faults = EmulatedJS220.Faults()
        faults.dropEveryNthCurrentFrame = 50_000
        let o = try Self.run(.ad01, monitor: .js220, js: faults)
        #expect(o.result.microjoulesPerInference == nil)
        #expect(o.resultsText.contains("dropped between the timestamps"), "\(o.resultsText)")
    }

    @Test func aMonitorThatAnswersLateOrStreamsStaleDataStillMeasuresCorrectly() throws {
        var faults = EmulatedLPM01A.Faults()
        faults.ackDelaySeconds = 0.3
        faults.staleOutput = true
        let o = try Self.run(.kws01, monitor: .lpm01a, lpm: faults)
        let measured = try #require(o.result.microjoulesPerInference, "\(o.resultsText)")
        #expect(abs(measured / o.truth - 1) < 0.005)
    }

    @Test func aMonitorThatNeverAcknowledgesIsAClearError() throws {
        var faults = EmulatedLPM01A.Faults()
        faults.ackDelaySeconds = 1.5
        #expect {
            _ = try Self.run(.ad01, monitor: .lpm01a, lpm: faults) { ($0 as! LPM01A).ackTimeout = 0.5 }
        } throws: { error in
            "\(error)".contains("did not acknowledge")
        }
    }

    @Test func aLostTimestampEventMakesTheRunInvalid() throws {
        var faults = EmulatedLPM01A.Faults()
        faults.dropEvents = [5]          // calibration has events 1–2, window 1 has 3–4, window 2 loses its first
        let o = try Self.run(.ad01, monitor: .lpm01a, lpm: faults)
        #expect(o.result.microjoulesPerInference == nil)
        #expect(o.resultsText.contains("window 2:") && o.resultsText.contains("INVALID"))
        #expect(o.resultsText.contains("lost timestamp event"), "\(o.resultsText)")
        #expect(!o.resultsText.contains("Median energy cost is"))
    }

    @Test func aLostPulseOnThePPK2MakesTheRunInvalid() throws {
        var faults = EmulatedPPK2.Faults()
        faults.dropPulses = [4]
        let o = try Self.run(.ad01, monitor: .ppk2, ppk: faults)
        #expect(o.result.microjoulesPerInference == nil)
        #expect(o.resultsText.contains("lost timestamp event") && !o.resultsText.contains("Median energy cost is"), "\(o.resultsText)")
    }

    @Test(arguments: [MonitorKind.lpm01a, .ppk2])
    func droppedSamplesMakeTheRunInvalid(monitor: MonitorKind) throws {
        var lpm = EmulatedLPM01A.Faults(), ppk = EmulatedPPK2.Faults()
        lpm.dropEveryNthSample = 4999
        ppk.dropEveryNthSample = 400_000
        let o = try Self.run(.ad01, monitor: monitor, lpm: lpm, ppk: ppk)
        #expect(o.result.microjoulesPerInference == nil)
        #expect(o.resultsText.contains("dropped between the timestamps") && !o.resultsText.contains("Median energy cost is"), "\(o.resultsText)")
    }

    @Test func aWrongWindowCountMakesTheRunInvalid() throws {
        let o = try Self.run(.ad01, monitor: .lpm01a, windows: 3)
        #expect(o.result.microjoulesPerInference == nil)
        #expect(o.resultsText.contains("3 windows where the rules ask for 5") && !o.resultsText.contains("Median energy cost is"), "\(o.resultsText)")
    }

    @Test func aDUTThatResetsMidRunIsMeasuredAgain() throws {
        // The 20th command through the board finds a freshly reset DUT.
        let o = try Self.run(.ic01, monitor: .lpm01a, resetBeforeDUTCommand: 20)
        let measured = try #require(o.result.microjoulesPerInference, "\(o.resultsText)")
        #expect(abs(measured / o.truth - 1) < 0.005)
        let log = try String(contentsOf: o.folder.appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("reset"), "the reset is in the log")
    }
}
