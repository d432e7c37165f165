import Foundation
import Testing
import TinyBenchEmulators

/// The sww01 front end against Tools/sww-frontend/oracle.py (numpy, float32,
/// an exact float32 spectrum) on synthetic signals, its tables, and its framing.
@Suite struct StreamingFrontEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/sww-frontend")

    static func manifest() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("manifest.json"))) as! [String: Any]
    }

    static func pcm(_ name: String) throws -> [Int16] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("\(name).pcm"))
        return stride(from: 0, to: data.count, by: 2).map { Int16(bitPattern: UInt16(data[$0]) | UInt16(data[$0 + 1]) << 8) }
    }

    static func run(_ samples: [Int16]) -> [[Int8]] {
        var fe = StreamingFrontEnd()
        return stride(from: 0, to: samples.count - 511, by: 512).map { fe.eval(samples[$0..<($0 + 512)]) }
    }

    @Test func featuresMatchTheOracle() throws {
        let names = try Self.manifest()["signals"] as! [String]
        var total = 0, off = 0
        for name in names {
            let expected = [Int8](try Data(contentsOf: Self.fixtures.appendingPathComponent("\(name).features")).map { Int8(bitPattern: $0) })
            let got = Self.run(try Self.pcm(name)).flatMap { $0 }
            #expect(got.count == expected.count, "\(name)")
            var differ = 0
            for (a, b) in zip(got, expected) where a != b {
                differ += 1
                #expect(abs(Int(a) - Int(b)) <= 1, "\(name): \(a) vs oracle \(b)")
            }
            print("sww front end vs oracle, \(name): \(differ) of \(expected.count) features differ by 1")
            total += expected.count; off += differ
        }
        // Exact on all 5,760 features (the oracle's spectrum is float64 rounded
        // to float32, ours a radix-2 float32 FFT: a differing entry would be
        // an FFT rounding that crosses a truncation boundary, at most 1 step).
        #expect(off == 0, "\(off) of \(total) features differ from the oracle")
    }

    @Test func tablesMatchTheOracleAndTensorFlow() throws {
        let fe = StreamingFrontEnd()
        let m = try Self.manifest()
        for (key, value) in m["window"] as! [String: Double] {
            #expect(fe.window[Int(key)!] == Float(value), "window[\(key)]")
        }
        for (key, value) in m["mel"] as! [String: Double] {
            let ij = key.split(separator: ",").map { Int($0)! }
            #expect(fe.melWeight(bin: ij[0], filter: ij[1]) == Float(value), "mel[\(key)]")
        }
        let windowSum = fe.window.reduce(0.0) { $0 + Double($1) }
        #expect(windowSum == (m["windowChecksum"] as! Double))
        let melSum = fe.melWeights.reduce(0.0) { $0 + Double($1) }
        #expect(melSum == (m["melChecksum"] as! Double))
        #expect(fe.melWeights.count == 987)
        // tf.signal.linear_to_mel_weight_matrix(40, 513, 16000, 0, 8000), TensorFlow 2 (CPU).
        let tf: [(Int, Int, Float)] = [(1, 0, 0.359173059463501), (2, 0, 0.7105860710144043), (5, 1, 0.7214624881744385),
                                       (30, 5, 0), (100, 19, 0.08690395951271057), (250, 30, 0.653852641582489),
                                       (460, 39, 0.4048363268375397), (512, 39, 0), (480, 38, 0)]
        for (bin, filter, value) in tf {
            #expect(abs(fe.melWeight(bin: bin, filter: filter) - value) <= 1e-6, "mel[\(bin), \(filter)]")
        }
        // The periodic Hamming window: w[0] = 0.08, w[512] = 1.
        #expect(abs(fe.window[0] - 0.08) < 1e-7 && fe.window[512] == 1)
    }

    @Test func quantisationTruncatesAndWrapsLikeTheDUT() {
        let q = StreamingFrontEnd.quantise([0, 0.5, 0.9437, 0.95, 1], scale: StreamingFrontEnd.referenceInputScale)
        #expect(q == [-128, 7, 126, -128, -114])
    }

    @Test func startZeroesHistoryAndRowsShift() throws {
        let samples = try Self.pcm("chirp")
        let a = Array(samples[0..<512]), b = Array(samples[512..<1024])
        var fe = StreamingFrontEnd()
        let f0 = fe.eval(a)
        #expect(fe.block[0..<512].allSatisfy { $0 == 0 } && Array(fe.block[512...]) == a)
        #expect(fe.modelInput[0..<1160].allSatisfy { $0 == 0 } && Array(fe.modelInput[1160...]) == f0)
        let f1 = fe.eval(b)
        #expect(Array(fe.block[0..<512]) == a && Array(fe.block[512...]) == b)
        #expect(fe.modelInput[0..<1120].allSatisfy { $0 == 0 })
        #expect(Array(fe.modelInput[1120..<1160]) == f0 && Array(fe.modelInput[1160...]) == f1)
        // Frame 0 of the oracle also sees 512 zeros before the first samples.
        let oracle = [Int8](try Data(contentsOf: Self.fixtures.appendingPathComponent("chirp.features")).prefix(80).map { Int8(bitPattern: $0) })
        #expect(zip(f0 + f1, oracle).allSatisfy { abs(Int($0) - Int($1)) <= 1 })
        // 31 more frames: the oldest row falls out, the window holds the last 30.
        var rows = [f0, f1]
        for k in 2..<24 { rows.append(fe.eval(samples[(k * 512)..<(k * 512 + 512)])) }
        #expect(fe.modelInput == Array(repeating: Int8(0), count: 40 * 6) + rows.flatMap { $0 })
        for k in 0..<8 { rows.append(fe.eval(samples[(k * 512)..<(k * 512 + 512)])) }
        #expect(fe.modelInput == rows.suffix(30).flatMap { $0 })
        // start: the same first hop gives the same features again (history,
        // pre-emphasis carry and model input all cleared).
        fe.start()
        #expect(fe.modelInput.allSatisfy { $0 == 0 } && fe.block.allSatisfy { $0 == 0 })
        #expect(fe.eval(a) == f0)
        #expect(fe.eval(b) == f1)
    }

    @Test func leftChannel() {
        #expect(StreamingFrontEnd.leftChannel([1, -1, 2, -2, 3, -3]) == [1, 2, 3])
    }
}
