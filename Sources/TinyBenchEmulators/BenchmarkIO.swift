import Foundation
import TinyBench
import TinyRuntime

/// The reference submitter code's `th_load_tensor` and `th_results` for each
/// benchmark: how the loaded bytes become the model's input and how the output
/// becomes the `m-results-[...]` line.
///
/// - kws01: the bytes are int8 MFCC features, copied as they are.
/// - vww01, ic01: the bytes are uint8 RGB; the DUT subtracts 128.
/// - ad01: the bytes are 640 little-endian float32; the DUT quantizes them
///   with the model's input scale and zero point (float division, round half
///   away from zero, clamp) and keeps the floats; the result is the mean
///   squared error between the dequantized output and those floats.
/// - Classifier results are the dequantized outputs, `%0.3f` each.
final class BenchmarkIO {
    private let benchmark: Benchmark
    private let interpreter: Interpreter
    private let input: Tensor
    private let output: Tensor
    private let inputScale: Float, inputZeroPoint: Int32
    private let outputScale: Float, outputZeroPoint: Int32
    private var floats = [Float]()

    init(benchmark: Benchmark, interpreter: Interpreter) throws {
        self.benchmark = benchmark
        self.interpreter = interpreter
        input = interpreter.inputs[0]
        output = interpreter.outputs[0]
        guard input.type == .int8, output.type == .int8 else {
            throw ModelError.unsupportedType("the emulated DUT runs int8-in, int8-out models; this one has \(input.type) in, \(output.type) out")
        }
        let iq = try input.requireQuantization("model input")
        let oq = try output.requireQuantization("model output")
        (inputScale, inputZeroPoint) = (iq.scale, iq.zeroPoint)
        (outputScale, outputZeroPoint) = (oq.scale, oq.zeroPoint)
        let expected = benchmark.modelInputElements
        guard input.byteCount == expected else {
            throw ModelError.badInput("a \(benchmark.id) DUT needs a model with \(expected) input elements; this one has \(input.byteCount)")
        }
    }

    /// The results line before any inference.
    var emptyResults: String { "m-results-[]" }

    /// th_load_tensor: `bytes` is what `db` loaded (shorter input is zero-padded, as the firmware's buffer would be).
    func load(_ bytes: [UInt8]) {
        var data = bytes
        switch benchmark.inputEncoding {
        case .float32:
            if data.count < benchmark.inputBytes { data += [UInt8](repeating: 0, count: benchmark.inputBytes - data.count) }
            floats = (0..<input.byteCount).map { i in
                Float(bitPattern: UInt32(data[4 * i]) | UInt32(data[4 * i + 1]) << 8 | UInt32(data[4 * i + 2]) << 16 | UInt32(data[4 * i + 3]) << 24)
            }
            let quantized = floats.map { x -> UInt8 in
                let q = FixedPoint.roundedToInt32(Double(x / inputScale)) &+ inputZeroPoint
                return UInt8(bitPattern: Int8(clamping: q))
            }
            try? interpreter.setInput(quantized)
        case .int8, .uint8Offset128:
            if data.count < input.byteCount { data += [UInt8](repeating: 0, count: input.byteCount - data.count) }
            data = Array(data.prefix(input.byteCount))
            if benchmark.inputEncoding == .uint8Offset128 {
                data = data.map { $0 ^ 0x80 }   // uint8 − 128 as int8
            }
            try? interpreter.setInput(data)
        }
    }

    /// th_results after an inference.
    func results() -> String {
        guard let raw = try? interpreter.output() else { return emptyResults }
        let values = raw.map { Float(Int32(Int8(bitPattern: $0)) - outputZeroPoint) * outputScale }
        if benchmark.inputEncoding == .float32 {
            var sum: Float = 0
            for (x, y) in zip(floats, values) { sum += (x - y) * (x - y) }
            return "m-results-[\(String(format: "%0.3f", sum / Float(values.count)))]"
        }
        return "m-results-[" + values.map { String(format: "%0.3f", $0) }.joined(separator: ",") + "]"
    }
}
