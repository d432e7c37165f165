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
        try DemoGenerators.generator(for: benchmark, demoRoot: demo)!.generate(split: .test, count: count, into: &writer)
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

    @Test func spectrogramsAreReproducible() throws {
        try Self.checkReproducible(.ad01, count: 4)
    }

    @Test(.enabled(if: espeakAvailable, "espeak-ng is not installed (make test installs it)"))
    func speechIsReproducible() throws {
        try Self.checkReproducible(.kws01, count: 24)
    }

    @Test(arguments: Benchmark.all)
    func bundledSetsAreBalancedAndSmall(benchmark: Benchmark) throws {
        let ds = try Dataset(root: Self.demo, benchmark: benchmark)
        var counts = [Int](repeating: 0, count: benchmark.classes)
        for e in ds.entries { counts[e.label] += 1 }
        #expect(Set(counts).count == 1, "\(benchmark.id) labels are unbalanced: \(counts)")
        #expect(ds.entries.count == (try DemoGenerators.generator(for: benchmark)?.defaultTestCount))
    }

    @Test func bundleStaysUnderTenMegabytes() throws {
        var total = 0
        let files = FileManager.default.enumerator(at: Self.demo, includingPropertiesForKeys: [.fileSizeKey])!
        for case let url as URL in files { total += (try url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0 }
        #expect(total <= 10_000_000, "Datasets/demo holds \(total) bytes")
    }

    /// Inputs the harness feeds as uint8 - 128 need zero point -128 and the
    /// training scale; ad01 and kws01 are quantized with the model's own parameters.
    @Test func bundledModelsHaveTheReferenceInputHandling() throws {
        func input(_ id: String) throws -> (Tensor, Tensor) {
            let model = try Model(bytes: [UInt8](try Data(contentsOf: DemoData.model(Benchmark.named(id)!, in: Self.demo))))
            return (model.main.tensors[model.main.inputs[0]], model.main.tensors[model.main.outputs[0]])
        }
        for (id, shape, outputs) in [("kws01", [1, 49, 10, 1], 12), ("vww01", [1, 96, 96, 3], 2), ("ad01", [1, 640], 640), ("ic01", [1, 32, 32, 3], 10)] {
            let (i, o) = try input(id)
            #expect(i.type == .int8 && o.type == .int8 && i.shape == shape && o.elementCount == outputs, "\(id)")
        }
        let vww = try input("vww01").0.quantization!, ic = try input("ic01").0.quantization!
        #expect(vww.zeroPoint == -128 && abs(vww.scale - 1 / 255) < 1e-7)
        #expect(ic.zeroPoint == -128 && ic.scale == 1)
    }
}
