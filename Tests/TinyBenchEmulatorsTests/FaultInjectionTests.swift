import Foundation
import Testing
import TinyBench
import TinyBenchEmulators
import TinyRuntime

/// A proxy between the host and the emulated DUT that damages the link:
/// dropped, corrupted and duplicated bytes, noise lines, commands that never
/// arrive (a silent DUT), and resets of the DUT in the middle of a run.
final class FaultyTransport: Transport {
    let inner: EmulatedTransport
    var endpoint: String { "faulty " + inner.endpoint }
    private var rng: UInt64
    private let rate: Double
    private(set) var faults = 0

    init(_ inner: EmulatedTransport, seed: UInt64, rate: Double) {
        self.inner = inner
        rng = seed
        self.rate = rate
    }

    private func next() -> UInt64 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private func chance() -> Bool { Double(next() % 1_000_000) / 1_000_000 < rate }

    func write(_ bytes: [UInt8]) throws(TransportError) {
        var b = bytes
        if chance() {
            faults += 1
            switch next() % 3 {
            case 0: return                                                  // lost: the DUT stays silent
            case 1: b[Int(next() % UInt64(b.count))] = UInt8(48 + next() % 75)   // a corrupted character
            default: b.insert(b[Int(next() % UInt64(b.count))], at: Int(next() % UInt64(b.count)))  // duplicated
            }
        }
        try inner.write(b)
    }

    func read(timeout: Duration) throws(TransportError) -> [UInt8] {
        var b = try inner.read(timeout: timeout)
        if chance() {
            faults += 1
            switch next() % 5 {
            case 0 where !b.isEmpty: b.remove(at: Int(next() % UInt64(b.count)))
            case 1 where !b.isEmpty: b[Int(next() % UInt64(b.count))] ^= UInt8(1 << (next() % 7))
            case 2 where !b.isEmpty: let i = Int(next() % UInt64(b.count)); b.insert(b[i], at: i)
            case 3: b = Array("\u{0}\u{0}garbage !@#\r\nm-noise\r\n".utf8) + b
            default: b = inner.dut.reset() + b                              // the DUT resets
            }
        }
        return b
    }

    func close() { inner.close() }
}

@Suite(.enabled(if: SharedModels.isAvailable, SharedModels.skipReason))
struct FaultInjectionTests {
    static func run(transport: Transport, dataset root: URL, output: URL) throws -> [AccuracySampleRecord] {
        var settings = SessionSettings()
        settings.mode = .accuracy
        settings.attemptsPerSample = 6
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = SessionManifest(benchmark: "kws01", port: "in-process", baud: nil, device: "emulated", emulated: true,
                                       datasetPath: root.path, datasetSHA256: "", modelPath: nil, modelSHA256: nil)
        let client = DUTClient(transport: transport, timeouts: .init(line: 0.2, infer: 0.4))
        let session = Session(client: client, benchmark: .kws01, dataset: data, settings: settings, manifest: manifest, output: output)
        _ = try session.run()
        return try AccuracySampleRecord.read(output)
    }

    /// Each line of samples.jsonl.
    struct AccuracySampleRecord: Decodable, Equatable {
        let file: String
        let label: Int
        let predicted: Int?
        let results: [Double]

        static func read(_ output: URL) throws -> [AccuracySampleRecord] {
            let text = try String(contentsOf: output.appendingPathComponent("kws/accuracy/samples.jsonl"), encoding: .utf8)
            return try text.split(separator: "\n").map { try JSONDecoder().decode(AccuracySampleRecord.self, from: Data($0.utf8)) }
        }
    }

    /// Never a wrong number: with the link damaged, every run either gives
    /// exactly the clean run's results, or stops with an error naming the
    /// sample while every sample completed before it is kept, and correct.
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func faultsNeverYieldAWrongNumber(seed: UInt64) throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let model = try SharedModels.model("kws01")
        let clean = try Self.run(transport: EmulatedTransport(dut: EmulatedDUT(model: model, benchmark: .kws01)),
                                 dataset: root, output: SessionTests.tempDir())
        #expect(clean.count == 8)
        let faulty = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: model, benchmark: .kws01)), seed: seed, rate: 0.03)
        let output = SessionTests.tempDir()
        do {
            let records = try Self.run(transport: faulty, dataset: root, output: output)
            print("fault injection seed \(seed): completed with \(faulty.faults) faults")
            #expect(records == clean, "seed \(seed): results differ after \(faulty.faults) faults")
            #expect(faulty.faults > 0, "seed \(seed): no fault was injected")
        } catch let error as SessionError {
            print("fault injection seed \(seed): stopped after \(faulty.faults) faults: \(error)")
            #expect("\(error)".contains("sample"), "\(error)")
            let kept = try AccuracySampleRecord.read(output)
            #expect(kept == Array(clean.prefix(kept.count)), "seed \(seed): a kept sample is wrong")
        }
    }

    /// Each line of a performance run's samples.jsonl, without the absolute
    /// lap readings (retries advance the DUT's clock).
    struct WindowRecord: Decodable, Equatable {
        let file: String
        let inferences: Int
        let seconds: Double
        let throughput: Double

        /// Same file and count, and a time within the session's repeat
        /// tolerance (the virtual clock itself rounds to 1 µs, so a window
        /// started at another time may differ by that much).
        func agrees(with clean: WindowRecord) -> Bool {
            file == clean.file && inferences == clean.inferences && abs(seconds / clean.seconds - 1) <= Session.repeatTolerance
        }

        static func read(_ output: URL) throws -> [WindowRecord] {
            let text = try String(contentsOf: output.appendingPathComponent("kws/performance/samples.jsonl"), encoding: .utf8)
            return try text.split(separator: "\n").map { try JSONDecoder().decode(WindowRecord.self, from: Data($0.utf8)) }
        }
    }

    static func runPerformance(transport: Transport, dataset root: URL, output: URL) throws -> [WindowRecord] {
        var settings = SessionSettings()
        settings.mode = .performance
        settings.attemptsPerSample = 6
        settings.minWindowSeconds = 1
        settings.targetWindowSeconds = 1.5
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = SessionManifest(benchmark: "kws01", port: "in-process", baud: nil, device: "emulated", emulated: true,
                                       datasetPath: root.path, datasetSHA256: "", modelPath: nil, modelSHA256: nil)
        let client = DUTClient(transport: transport, timeouts: .init(line: 0.2, infer: 0.4))
        let session = Session(client: client, benchmark: .kws01, dataset: data, settings: settings, manifest: manifest, output: output)
        _ = try session.run()
        return try WindowRecord.read(output)
    }

    /// The same for performance mode: a garbled lap reading, a reset during a
    /// window or a lost `infer` never becomes a window's figure.
    @Test(arguments: [11, 12, 13, 14, 15, 16, 17, 18] as [UInt64])
    func performanceFaultsNeverYieldAWrongNumber(seed: UInt64) throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let model = try SharedModels.model("kws01")
        let clean = try Self.runPerformance(transport: EmulatedTransport(dut: EmulatedDUT(model: model, benchmark: .kws01)),
                                            dataset: root, output: SessionTests.tempDir())
        #expect(clean.count == 5)
        let faulty = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: model, benchmark: .kws01)), seed: seed, rate: 0.03)
        let output = SessionTests.tempDir()
        do {
            let windows = try Self.runPerformance(transport: faulty, dataset: root, output: output)
            print("performance fault injection seed \(seed): completed with \(faulty.faults) faults")
            #expect(windows.count == clean.count)
            for (w, c) in zip(windows, clean) {
                #expect(w.agrees(with: c), "seed \(seed): \(w) differs from the clean \(c) after \(faulty.faults) faults")
            }
            #expect(faulty.faults > 0, "seed \(seed): no fault was injected")
        } catch let error as SessionError {
            print("performance fault injection seed \(seed): stopped after \(faulty.faults) faults: \(error)")
            #expect("\(error)".contains("window") || "\(error)".contains("calibrating"), "\(error)")
            let kept = try WindowRecord.read(output)
            #expect(zip(kept, clean).allSatisfy { $0.agrees(with: $1) }, "seed \(seed): a kept window is wrong")
        }
    }

    /// A lap reading garbled into another valid number (a digit for a digit)
    /// parses fine; the repeated measurement catches it.
    @Test func aGarbledLapDigitIsCaught() throws {
        final class LapGarbler: Transport {
            let inner: EmulatedTransport
            var endpoint: String { inner.endpoint }
            var garbled = 0
            init(_ inner: EmulatedTransport) { self.inner = inner }
            func write(_ bytes: [UInt8]) throws(TransportError) { try inner.write(bytes) }
            func read(timeout: Duration) throws(TransportError) -> [UInt8] {
                var b = try inner.read(timeout: timeout)
                // The second window's repeated measurement: its first lap's sixth digit from the end goes up by one (mod 10).
                let marker = Array("m-lap-us-".utf8)
                if garbled < 5, let r = b.firstRange(of: marker), let end = b[r.upperBound...].firstIndex(of: 13) {
                    garbled += 1
                    if garbled == 5, end - r.upperBound >= 6 {
                        let i = end - 6
                        b[i] = 48 + (b[i] - 48 + 1) % 10
                    }
                }
                return b
            }
            func close() { inner.close() }
        }
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let model = try SharedModels.model("kws01")
        let clean = try Self.runPerformance(transport: EmulatedTransport(dut: EmulatedDUT(model: model, benchmark: .kws01)),
                                            dataset: root, output: SessionTests.tempDir())
        let garbler = LapGarbler(EmulatedTransport(dut: try EmulatedDUT(model: model, benchmark: .kws01)))
        let output = SessionTests.tempDir()
        let windows = try Self.runPerformance(transport: garbler, dataset: root, output: output)
        #expect(garbler.garbled == 5)
        #expect(zip(windows, clean).allSatisfy { $0.agrees(with: $1) })
        let log = try String(contentsOf: output.appendingPathComponent("kws/performance/log.txt"), encoding: .utf8)
        #expect(log.contains("disagree"))
    }

    @Test func aSilentDUTStopsTheRunWithAClearError() throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let silent = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: SharedModels.model("kws01"), benchmark: .kws01)),
                                     seed: 9, rate: 1.0)
        do {
            _ = try Self.run(transport: silent, dataset: root, output: SessionTests.tempDir())
            Issue.record("a DUT that never answers sensibly was accepted")
        } catch {
            #expect("\(error)".hasPrefix("stopped while identifying the DUT"), "\(error)")
        }
    }
}
