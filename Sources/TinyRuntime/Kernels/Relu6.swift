/// RELU6, int8: TFLM's `Relu6Quantized` clamps in the input's quantization to
/// [zeroPoint, quantized 6.0] without requantizing (the converter gives input
/// and output the same parameters).
final class Relu6: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let count: Int
    private let lower: Int8, upper: Int8

    static func prepare(_ c: KernelContext) throws(ModelError) -> Relu6 {
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.require(input.elementCount == output.elementCount, "input and output sizes differ")
        let iq = try input.requireQuantization(c.op.label)
        let six = FixedPoint.roundedToInt32(Double(6 / iq.scale)) &+ iq.zeroPoint
        return Relu6(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                     count: input.elementCount, lower: Int8(clamping: iq.zeroPoint), upper: Int8(clamping: six))
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int, lower: Int8, upper: Int8) {
        self.input = input
        self.output = output
        self.count = count
        self.lower = lower
        self.upper = upper
    }

    func eval() {
        for i in 0..<count {
            let v = input[i]
            output[i] = v > upper ? upper : (v < lower ? lower : v)
        }
    }
}
