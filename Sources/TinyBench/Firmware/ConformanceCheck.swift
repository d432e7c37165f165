import Foundation
import TinyRuntime

/// Checks a DUT's arithmetic against golden outputs through the protocol:
/// each case's input is loaded as the benchmark's wire format, run once
/// (`infer 1 0`), and the raw output tensor read back with the `tb-raw`
/// extension is compared byte for byte with the case's `.out`.
public struct ConformanceCheck {
    /// A case whose output differs.
    public struct Difference: Sendable, Equatable {
        public let name: String
        public let expected: [UInt8]
        public let actual: [UInt8]
    }

    public let benchmark: Benchmark
    /// The model the DUT runs (its input quantization turns ad01's int8 cases into the float32 wire format).
    public let model: Model

    public init(benchmark: Benchmark, model: Model) {
        self.benchmark = benchmark
        self.model = model
    }

    /// The bytes to `db load` for a case's raw int8 model input.
    public func wireBytes(forModelInput input: [UInt8]) throws -> [UInt8] {
        switch benchmark.inputEncoding {
        case .uint8Offset128:
            return input.map { $0 ^ 0x80 }
        case .float32:
            // float = (q - zero point) · scale; the DUT's quantization maps it back to q exactly.
            let tensor = model.main.tensors[model.main.inputs[0]]
            let q = try tensor.requireQuantization("model input")
            return input.flatMap { b -> [UInt8] in
                let x = Float(Int32(Int8(bitPattern: b)) - q.zeroPoint) * q.scale
                return withUnsafeBytes(of: x.bitPattern.littleEndian, Array.init)
            }
        case .int8:
            return input
        }
    }

    /// Runs every `NNN.in` / `NNN.out` pair of `cases` on the DUT behind `client`
    /// (inputs as binary blocks when the DUT offers them).
    public func run(client: DUTClient, cases: URL, progress: ((Int, Int) -> Void)? = nil) throws -> (checked: Int, differences: [Difference]) {
        let names = try FileManager.default.contentsOfDirectory(atPath: cases.path).filter { $0.hasSuffix(".in") }.sorted()
        guard !names.isEmpty else { throw ConformanceCheckError.noCases(cases.path) }
        client.negotiateTransfer()
        var differences = [Difference]()
        for (i, name) in names.enumerated() {
            progress?(i, names.count)
            let input = [UInt8](try Data(contentsOf: cases.appendingPathComponent(name)))
            let expected = [UInt8](try Data(contentsOf: cases.appendingPathComponent(name.replacingOccurrences(of: ".in", with: ".out"))))
            try client.load(try wireBytes(forModelInput: input))
            _ = try client.infer(1, warmup: 0)
            guard let actual = try client.rawOutput() else { throw ConformanceCheckError.noRawOutput }
            if actual != expected { differences.append(Difference(name: name, expected: expected, actual: actual)) }
        }
        progress?(names.count, names.count)
        return (names.count, differences)
    }
}

/// Why a conformance check could not run.
public enum ConformanceCheckError: Error, CustomStringConvertible {
    case noCases(String)
    case noRawOutput

    public var description: String {
        switch self {
        case .noCases(let p): "no NNN.in cases in \(p)"
        case .noRawOutput: "the DUT does not answer tb-raw%: byte-exact checks need TinyBench's tb-raw extension"
        }
    }
}
