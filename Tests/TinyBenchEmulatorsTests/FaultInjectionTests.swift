import Foundation
import Testing
import TestSupport
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

struct FaultInjectionTests {
    /// A kws01 session in `mode` (short performance windows) over `transport`.
    static func runSession(_ mode: ModeSelection, transport: Transport, dataset root: URL, output: URL) throws {
        var settings = SessionSettings()
        settings.mode = mode
        settings.attemptsPerSample = 6
        settings.minWindowSeconds = 1
        settings.targetWindowSeconds = 1.5
        let data = try Dataset(root: root, benchmark: .kws01)
        let manifest = try SessionManifest(benchmark: .kws01, dataset: data, port: "in-process", baud: nil,
                                           device: BoardProfile.nucleoL4R5ZITFLM.deviceDescription, model: nil)
        let client = DUTClient(transport: transport, timeouts: .init(line: 0.2, infer: 0.4))
        let session = Session(client: client, benchmark: .kws01, dataset: data, settings: settings, manifest: manifest, output: output)
        _ = try session.run()
    }

    /// The lines of a session's samples.jsonl.
    static func records<T: Decodable>(_ output: URL, _ mode: ModeSelection) throws -> [T] {
        let text = try String(contentsOf: output.appendingPathComponent("kws/\(mode.rawValue)/samples.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    /// Each line of an accuracy run's samples.jsonl.
    struct AccuracySampleRecord: Decodable, Equatable {
        let file: String
        let label: Int
        let predicted: Int?
        let results: [Double]
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
    }

    /// Never a wrong number: with the link damaged, a run either gives the
    /// clean run's results, or stops with an error naming the sample or window
    /// while everything completed before it is kept, and correct.
    static func checkFaults<T: Decodable>(_ mode: ModeSelection, seed: UInt64, expected: Int, agree: (T, T) -> Bool) throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let model = try SharedModels.anyModel("kws01")
        let cleanOutput = SessionTests.tempDir()
        try runSession(mode, transport: EmulatedTransport(dut: EmulatedDUT(model: model, benchmark: .kws01)), dataset: root, output: cleanOutput)
        let clean: [T] = try records(cleanOutput, mode)
        #expect(clean.count == expected)
        // Binary blocks need a few calls per sample (hex needed dozens): a
        // higher rate per call keeps the faults per sample about the same.
        let faulty = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: model, benchmark: .kws01)), seed: seed, rate: 0.1)
        let output = SessionTests.tempDir()
        do {
            try runSession(mode, transport: faulty, dataset: root, output: output)
            print("\(mode) fault injection seed \(seed): completed with \(faulty.faults) faults")
            let got: [T] = try records(output, mode)
            let same = got.count == clean.count && zip(got, clean).allSatisfy(agree)
            #expect(same, "seed \(seed): results differ after \(faulty.faults) faults")
            #expect(faulty.faults > 0, "seed \(seed): no fault was injected")
        } catch let error as SessionError {
            print("\(mode) fault injection seed \(seed): stopped after \(faulty.faults) faults: \(error)")
            #expect(["sample", "window", "calibrating"].contains { "\(error)".contains($0) }, "\(error)")
            let kept: [T] = try records(output, mode)
            let keptRight = zip(kept, clean).allSatisfy(agree)
            #expect(keptRight, "seed \(seed): a kept record is wrong")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func accuracyFaultsNeverYieldAWrongNumber(seed: UInt64) throws {
        try Self.checkFaults(.accuracy, seed: seed, expected: 8) { (a: AccuracySampleRecord, b: AccuracySampleRecord) in a == b }
    }

    /// A garbled lap reading, a reset during a window or a lost `infer` never
    /// becomes a window's figure.
    @Test(arguments: [11, 12, 13, 14, 15, 16, 17, 18] as [UInt64])
    func performanceFaultsNeverYieldAWrongNumber(seed: UInt64) throws {
        try Self.checkFaults(.performance, seed: seed, expected: 5) { (a: WindowRecord, b: WindowRecord) in a.agrees(with: b) }
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
        let model = try SharedModels.anyModel("kws01")
        let cleanOutput = SessionTests.tempDir()
        try Self.runSession(.performance, transport: EmulatedTransport(dut: EmulatedDUT(model: model, benchmark: .kws01)),
                            dataset: root, output: cleanOutput)
        let clean: [WindowRecord] = try Self.records(cleanOutput, .performance)
        let garbler = LapGarbler(EmulatedTransport(dut: try EmulatedDUT(model: model, benchmark: .kws01)))
        let output = SessionTests.tempDir()
        try Self.runSession(.performance, transport: garbler, dataset: root, output: output)
        let windows: [WindowRecord] = try Self.records(output, .performance)
        #expect(garbler.garbled == 5)
        #expect(zip(windows, clean).allSatisfy { $0.agrees(with: $1) })
        let log = try String(contentsOf: output.appendingPathComponent("kws/performance/log.txt"), encoding: .utf8)
        #expect(log.contains("disagree"))
    }

    @Test func aSilentDUTStopsTheRunWithAClearError() throws {
        let (root, _) = try SessionTests.classifierDataset(.kws01)
        let silent = FaultyTransport(EmulatedTransport(dut: try EmulatedDUT(model: SharedModels.anyModel("kws01"), benchmark: .kws01)),
                                     seed: 9, rate: 1.0)
        do {
            try Self.runSession(.accuracy, transport: silent, dataset: root, output: SessionTests.tempDir())
            Issue.record("a DUT that never answers sensibly was accepted")
        } catch {
            #expect("\(error)".hasPrefix("stopped while identifying the DUT"), "\(error)")
        }
    }
}
