/// DEQUANTIZE, int8/uint8 → float32: TFLM's `Dequantize` computes
/// `Float(scale · (x - zeroPoint))` with the scale in double.
final class Dequantize: PreparedKernel {
    private let input: UnsafeRawPointer
    private let output: UnsafeMutablePointer<Float>
    private let count: Int
    private let scale: Double
    private let zeroPoint: Int32
    private let signed: Bool

    static func prepare(_ c: KernelContext) throws(ModelError) -> Dequantize {
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, .uint8, role: "input")
        try c.requireType(output, .float32, role: "output")
        try c.require(input.elementCount == output.elementCount, "input and output sizes differ")
        let iq = try input.requireQuantization(c.op.label)
        try c.require(!iq.isPerChannel, "per-channel input quantization is not supported")
        return Dequantize(input: UnsafeRawPointer(c.pointer(input, as: UInt8.self)), output: c.pointer(output, as: Float.self),
                          count: input.elementCount, scale: Double(iq.scale), zeroPoint: iq.zeroPoint,
                          signed: input.type == .int8)
    }

    private init(input: UnsafeRawPointer, output: UnsafeMutablePointer<Float>, count: Int, scale: Double,
                 zeroPoint: Int32, signed: Bool) {
        self.input = input
        self.output = output
        self.count = count
        self.scale = scale
        self.zeroPoint = zeroPoint
        self.signed = signed
    }

    func eval() {
        let x = input.assumingMemoryBound(to: UInt8.self)
        for i in 0..<count {
            let raw = signed ? Int32(Int8(bitPattern: x[i])) : Int32(x[i])
            output[i] = Float(scale * Double(raw - zeroPoint))
        }
    }
}
