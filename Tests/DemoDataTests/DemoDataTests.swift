import DemoData
import Foundation
import Testing
import TinyBench
import TinyRuntime

/// The bundled demo data is exactly what the committed generator makes, and
/// the bundled models fit the harness's input handling.
struct DemoDataTests {
    static let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Datasets/demo")
    static let espeakAvailable = ["/usr/bin/espeak-ng", "/usr/local/bin/espeak-ng"].contains { FileManager.default.isExecutableFile(atPath: $0) }

    static func generate(_ benchmark: Benchmark, count: Int) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinybench-demo-\(UUID().uuidString)")
        var writer = try DatasetWriter(root: root, benchmark: benchmark)
        try DemoGenerators.generator(for: benchmark, demoRoot: demo).generate(split: .test, count: count, into: &writer)
        try writer.finish()
        return root
    }

    /// The first samples, made twice, are the same bytes as each other and as the committed files.
    static func checkReproducible(_ benchmark: Benchmark, count: Int) throws {
        let a = try generate(benchmark, count: count), b = try generate(benchmark, count: count)
        let made = try Dataset(root: a, benchmark: benchmark), again = try Dataset(root: b, benchmark: benchmark)
        let bundled = try Dataset(root: demo, benchmark: benchmark)
        #expect(made.entries == again.entries)
        for i in 0..<count {
            let bytes = try made.sample(i)
            #expect(bytes == (try again.sample(i)), "\(benchmark.id) sample \(i) differs between two runs")
            #expect(made.entries[i].file == bundled.entries[i].file && made.entries[i].label == bundled.entries[i].label)
            #expect(bytes == (try bundled.sample(i)), "\(benchmark.id) \(made.entries[i].file) differs from the bundled file")
        }
    }

    @Test func imagesAreReproducible() throws {
        try Self.checkReproducible(.vww01, count: 6)
        try Self.checkReproducible(.ic01, count: 20)
    }

    /// Ten files: five normal and one of each of the five faults.
    @Test func spectrogramsAreReproducible() throws {
        try Self.checkReproducible(.ad01, count: 10)
    }

    @Test(.enabled(if: espeakAvailable, "espeak-ng is not installed (make test installs it)"))
    func speechIsReproducible() throws {
        try Self.checkReproducible(.kws01, count: 24)
    }

    /// The sww01 demo stream and its truth file, made twice, are the same
    /// bytes as each other and as the committed files.
    @Test(.enabled(if: espeakAvailable, "espeak-ng is not installed (make test installs it)"))
    func wakewordStreamIsReproducible() throws {
        let a = try WakewordStreamGenerator.demoStream(), b = try WakewordStreamGenerator.demoStream()
        #expect(a.samples == b.samples && a.words == b.words)
        let folder = Self.demo.appendingPathComponent("sww01")
        let wav = [UInt8](try Data(contentsOf: folder.appendingPathComponent(WakewordStreamGenerator.demoWAV)))
        #expect(wav == WakewordStreamGenerator.wav(a.samples), "the committed demo stream differs from the generator's")
        let truth = try String(contentsOf: folder.appendingPathComponent(WakewordStreamGenerator.demoTruth), encoding: .utf8)
        #expect(truth == WakewordStreamGenerator.truthJSON(wavFile: WakewordStreamGenerator.demoWAV, a))
        #expect(a.windows.count == 7 && a.words.count == 15)
    }

    /// Frame labels: a wakeword wholly inside the 30-frame window is the
    /// wakeword class; cut short by a little it is left out; other words are unknown.
    @Test func wakewordFrameLabels() {
        typealias G = WakewordStreamGenerator
        // Frame k's window holds samples (k - 30) * 512 ..< (k + 1) * 512.
        let marvin = G.Word(text: "marvin", start: 10_000, end: 18_000)
        #expect(G.label(frame: 40, words: [marvin]) == G.labelWakeword)        // 5120 ..< 20992
        #expect(G.label(frame: 34, words: [marvin]) == G.labelAmbiguous)       // 2048 ..< 17920: its last 80 samples missing
        #expect(G.label(frame: 25, words: [marvin]) == G.labelUnknown)         // ..< 13312: more than half missing
        #expect(G.label(frame: 100, words: [marvin]) == G.labelSilence)        // 35840 ..< 51712
        let other = G.Word(text: "window", start: 10_000, end: 18_000)
        #expect(G.label(frame: 40, words: [other]) == G.labelUnknown)
        #expect(G.label(frame: 40, words: [other, marvin]) == G.labelWakeword)
    }

    @Test(arguments: Benchmark.all)
    func bundledSetsAreBalancedAndSmall(benchmark: Benchmark) throws {
        let ds = try Dataset(root: Self.demo, benchmark: benchmark)
        var counts = [Int](repeating: 0, count: benchmark.classes)
        for e in ds.entries { counts[e.label] += 1 }
        #expect(Set(counts).count == 1, "\(benchmark.id) labels are unbalanced: \(counts)")
        #expect(ds.entries.count == (try DemoGenerators.generator(for: benchmark).defaultTestCount))
    }

    /// sww01's 24 s stereo stream (1.5 MB) raised the limit from 10 MB.
    @Test func bundleStaysUnderElevenMegabytes() throws {
        var total = 0
        let files = FileManager.default.enumerator(at: Self.demo, includingPropertiesForKeys: [.fileSizeKey])!
        for case let url as URL in files { total += (try url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0 }
        #expect(total <= 11_000_000, "Datasets/demo holds \(total) bytes")
    }

    /// Inputs the harness feeds as uint8 - 128 need zero point -128 and the
    /// training scale; ad01 and kws01 are quantized with the model's own parameters.
    @Test func bundledModelsHaveTheReferenceInputHandling() throws {
        func input(_ id: String) throws -> (Tensor, Tensor) {
            let model = try Model(bytes: [UInt8](try Data(contentsOf: DemoData.model(Benchmark.named(id)!, in: Self.demo))))
            return (model.main.tensors[model.main.inputs[0]], model.main.tensors[model.main.outputs[0]])
        }
        for (id, shape, outputs) in [("kws01", [1, 49, 10, 1], 12), ("vww01", [1, 96, 96, 3], 2), ("ad01", [1, 640], 640), ("ic01", [1, 32, 32, 3], 10), ("ic02", [1, 32, 32, 3], 10)] {
            let (i, o) = try input(id)
            #expect(i.type == .int8 && o.type == .int8 && i.shape == shape && o.elementCount == outputs, "\(id)")
        }
        let vww = try input("vww01").0.quantization!, ic = try input("ic01").0.quantization!
        #expect(vww.zeroPoint == -128 && abs(vww.scale - 1 / 255) < 1e-7)
        #expect(ic.zeroPoint == -128 && ic.scale == 1)
        let ic2 = try input("ic02").0.quantization!
        #expect(ic2.zeroPoint == -128 && ic2.scale == 1)
        // kws01 ends in a softmax, whose int8 output TFLite fixes at 1/256, -128.
        let kwsOut = try input("kws01").1.quantization!
        #expect(kwsOut.scale == 1 / 256 && kwsOut.zeroPoint == -128)
    }

    /// The audio models' int8 inputs cover the bundled features: at most
    /// 0.1 % of the kws01 bytes sit at the clamp limits, and at least 99.9 %
    /// of the ad01 log-mel values fall inside the range the DUT quantizes to.
    @Test func audioInputsFitTheModelsQuantization() throws {
        let kws = try Dataset(root: Self.demo, benchmark: .kws01)
        var clamped = 0, total = 0
        for i in kws.entries.indices {
            let bytes = try kws.sample(i)
            clamped += bytes.filter { $0 == 0x80 || $0 == 0x7F }.count
            total += bytes.count
        }
        #expect(clamped * 1000 <= total, "\(clamped) of \(total) kws01 bytes are clamped")

        let model = try Model(bytes: [UInt8](try Data(contentsOf: DemoData.model(.ad01, in: Self.demo))))
        let q = model.main.tensors[model.main.inputs[0]].quantization!
        let range = (Float(-128 - q.zeroPoint) * q.scale)...(Float(127 - q.zeroPoint) * q.scale)
        let ad = try Dataset(root: Self.demo, benchmark: .ad01)
        var inside = 0, values = 0
        for i in ad.entries.indices {
            let bytes = try ad.sample(i)
            for k in stride(from: 0, to: bytes.count, by: 4) {
                let bits = UInt32(bytes[k]) | UInt32(bytes[k + 1]) << 8 | UInt32(bytes[k + 2]) << 16 | UInt32(bytes[k + 3]) << 24
                if range.contains(Float(bitPattern: bits)) { inside += 1 }
                values += 1
            }
        }
        #expect(inside * 1000 >= values * 999, "only \(inside) of \(values) ad01 values lie in \(range)")
    }
}
