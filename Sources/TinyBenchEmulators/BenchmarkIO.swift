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
    /// Written straight into the model's input tensor (no intermediate arrays).
    func load(_ bytes: ArraySlice<UInt8>) {
        // A missing byte reads as 0.
        func byte(_ i: Int) -> UInt8 { i < bytes.count ? bytes[bytes.startIndex + i] : 0 }
        let count = input.byteCount
        switch benchmark.inputEncoding {
        case .float32:
            if floats.count != count { floats = [Float](repeating: 0, count: count) }
            let whole = min(bytes.count / 4, count)
            floats.withUnsafeMutableBufferPointer { f in
                bytes.withUnsafeBytes { raw in
                    for i in 0..<whole { f[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                }
                for i in whole..<count {
                    f[i] = Float(bitPattern: UInt32(byte(4 * i)) | UInt32(byte(4 * i + 1)) << 8 | UInt32(byte(4 * i + 2)) << 16 | UInt32(byte(4 * i + 3)) << 24)
                }
            }
            try? interpreter.withInputBuffer { p in
                floats.withUnsafeBufferPointer { f in
                    for i in 0..<count {
                        let q = FixedPoint.roundedToInt32(Double(f[i] / inputScale)) &+ inputZeroPoint
                        p[i] = UInt8(bitPattern: Int8(clamping: q))
                    }
                }
            }
        case .int8, .uint8Offset128:
            let flip: UInt8 = benchmark.inputEncoding == .uint8Offset128 ? 0x80 : 0   // uint8 − 128 as int8
            let whole = min(bytes.count, count)
            try? interpreter.withInputBuffer { p in
                bytes.withUnsafeBufferPointer { b in
                    for i in 0..<whole { p[i] = b[i] ^ flip }
                }
                for i in whole..<count { p[i] = flip }
            }
        }
    }

    /// th_results after an inference.
    func results() -> String {
        guard let raw = try? interpreter.output() else { return emptyResults }
        let values = raw.map { Float(Int32(Int8(bitPattern: $0)) - outputZeroPoint) * outputScale }
        if benchmark.inputEncoding == .float32 {
            var sum: Float = 0
            for (x, y) in zip(floats, values) { sum += (x - y) * (x - y) }
            return "m-results-[\(Self.threeDecimals(sum / Float(values.count)))]"
        }
        // Written as bytes into one line: a string per value, joined, cost
        // more than the inference of a small model's output takes.
        var line = Array("m-results-[".utf8)
        line.reserveCapacity(line.count + values.count * 7 + 1)
        for (k, value) in values.enumerated() {
            if k > 0 { line.append(UInt8(ascii: ",")) }
            ThreeDecimals.append(value, to: &line)
        }
        line.append(UInt8(ascii: "]"))
        return String(decoding: line, as: UTF8.self)
    }

    /// `%0.3f` of the value (promoted to double, as printf's arguments are):
    /// ``ThreeDecimals/text(_:)``.
    static func threeDecimals(_ x: Float) -> String {
        ThreeDecimals.text(x)
    }
}

/// `printf("%0.3f", x)` of a float promoted to double, as the reference
/// firmware prints results, without a format string's cost: a float times
/// 1000 is exact in a double (24 + 10 significant bits), so rounding it to an
/// integer, halves to even as printf rounds an exact tie, gives printf's
/// digits. Values too large for that, infinities and NaN go to the C library.
public enum ThreeDecimals {
    public static func text(_ x: Float) -> String {
        var bytes = [UInt8]()
        append(x, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// ``text(_:)``'s bytes appended to `out`.
    public static func append(_ x: Float, to out: inout [UInt8]) {
        let thousandths = Double(x) * 1000
        guard thousandths.isFinite, thousandths.magnitude < 0x1p62 else {
            out += printf(x).utf8
            return
        }
        let n = UInt64(thousandths.magnitude.rounded(.toNearestOrEven))
        // The sign of the value, also when it rounds to zero (printf's "-0.000").
        if x.sign == .minus { out.append(UInt8(ascii: "-")) }
        appendDigits(n / 1000, to: &out)
        let fraction = n % 1000
        out += [UInt8(ascii: "."), UInt8(ascii: "0") + UInt8(fraction / 100),
                UInt8(ascii: "0") + UInt8(fraction / 10 % 10), UInt8(ascii: "0") + UInt8(fraction % 10)]
    }

    /// The decimal digits of `n`, most significant first.
    private static func appendDigits(_ n: UInt64, to out: inout [UInt8]) {
        if n >= 10 { appendDigits(n / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(n % 10))
    }

    /// The C library's printf, as `String(format:)` calls it.
    static func printf(_ x: Float) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            guard let base = buffer.baseAddress else { return String(format: "%0.3f", x) }
            let n = withVaList([Double(x)]) { vsnprintf(base, 64, "%0.3f", $0) }
            guard n > 0, n < 64 else { return String(format: "%0.3f", x) }
            return String(decoding: UnsafeRawBufferPointer(start: base, count: Int(n)), as: UTF8.self)
        }
    }
}
