/// QUANTIZE: float32 → int8 (TFLM `AffineQuantize`: `round(x / scale) + zeroPoint`,
/// the division in float32 as TFLM does it, halves away from zero, clamped) and int8/uint8 →
/// int8/uint8 requantization (TFLM `Requantize`: `inputScale / outputScale` as a
/// fixed-point multiplier on `x - inputZeroPoint`).
final class Quantize: PreparedKernel {
    private enum Mode {
        case fromFloat(scale: Float, zeroPoint: Int32)
        case requantize(Requantizer, inputZeroPoint: Int32, outputZeroPoint: Int32, inputSigned: Bool)
    }
    private let input: UnsafeRawPointer
    private let output: UnsafeMutableRawPointer
    private let count: Int
    private let mode: Mode
    private let outputRange: (min: Int32, max: Int32)
    private let outputSigned: Bool

    static func prepare(_ c: KernelContext) throws(ModelError) -> Quantize {
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .float32, .int8, .uint8, role: "input")
        try c.requireType(output, .int8, .uint8, role: "output")
        try c.require(input.elementCount == output.elementCount, "input and output sizes differ")
        let oq = try output.requireQuantization(c.op.label)
        try c.require(!oq.isPerChannel, "per-channel output quantization is not supported")
        let mode: Mode
        if input.type == .float32 {
            mode = .fromFloat(scale: oq.scale, zeroPoint: oq.zeroPoint)
        } else {
            let iq = try input.requireQuantization(c.op.label)
            mode = .requantize(Requantizer(real: Double(iq.scale) / Double(oq.scale)), inputZeroPoint: iq.zeroPoint,
                               outputZeroPoint: oq.zeroPoint, inputSigned: input.type == .int8)
        }
        let signed = output.type == .int8
        return Quantize(input: UnsafeRawPointer(c.pointer(input, as: UInt8.self)),
                        output: UnsafeMutableRawPointer(c.pointer(output, as: UInt8.self)),
                        count: input.elementCount, mode: mode,
                        outputRange: signed ? (-128, 127) : (0, 255), outputSigned: signed)
    }

    private init(input: UnsafeRawPointer, output: UnsafeMutableRawPointer, count: Int, mode: Mode,
                 outputRange: (min: Int32, max: Int32), outputSigned: Bool) {
        self.input = input
        self.output = output
        self.count = count
        self.mode = mode
        self.outputRange = outputRange
        self.outputSigned = outputSigned
    }

    func eval() {
        let out = output.assumingMemoryBound(to: UInt8.self)
        switch mode {
        case let .fromFloat(scale, zeroPoint):
            let x = input.assumingMemoryBound(to: Float.self)
            for i in 0..<count {
                let v = FixedPoint.roundedToInt32(Double(x[i] / scale)) &+ zeroPoint
                out[i] = UInt8(truncatingIfNeeded: min(max(v, outputRange.min), outputRange.max))
            }
        case let .requantize(requantizer, inputZeroPoint, outputZeroPoint, inputSigned):
            let x = input.assumingMemoryBound(to: UInt8.self)
            for i in 0..<count {
                let raw = inputSigned ? Int32(Int8(bitPattern: x[i])) : Int32(x[i])
                let v = requantizer.apply(raw &- inputZeroPoint) &+ outputZeroPoint
                out[i] = UInt8(truncatingIfNeeded: min(max(v, outputRange.min), outputRange.max))
            }
        }
    }
}
