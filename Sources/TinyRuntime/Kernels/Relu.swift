/// RELU, int8: TFLM's `ReluQuantized`, which requantizes from the input to the
/// output parameters (`inputScale / outputScale`) and clamps below at the
/// output's quantized zero.
final class Relu: PreparedKernel {
    private let input: UnsafePointer<Int8>
    private let output: UnsafeMutablePointer<Int8>
    private let count: Int
    private let inputZeroPoint: Int32, outputZeroPoint: Int32
    private let rescale: Requantizer
    private let lower: Int32

    static func prepare(_ c: KernelContext) throws(ModelError) -> Relu {
        let input = try c.input(0), output = try c.output(0)
        try c.requireType(input, .int8, role: "input")
        try c.requireType(output, .int8, role: "output")
        try c.require(input.elementCount == output.elementCount, "input and output sizes differ")
        let iq = try input.requireQuantization(c.op.label)
        let oq = try output.requireQuantization(c.op.label)
        return Relu(input: c.pointer(input, as: Int8.self), output: c.pointer(output, as: Int8.self),
                    count: input.elementCount, inputZeroPoint: iq.zeroPoint, outputZeroPoint: oq.zeroPoint,
                    rescale: Requantizer(real: Double(iq.scale) / Double(oq.scale)), lower: max(-128, oq.zeroPoint))
    }

    private init(input: UnsafePointer<Int8>, output: UnsafeMutablePointer<Int8>, count: Int,
                 inputZeroPoint: Int32, outputZeroPoint: Int32, rescale: Requantizer, lower: Int32) {
        self.input = input
        self.output = output
        self.count = count
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.rescale = rescale
        self.lower = lower
    }

    func eval() {
        for i in 0..<count {
            let v = outputZeroPoint &+ rescale.apply(Int32(input[i]) &- inputZeroPoint)
            output[i] = Int8(truncatingIfNeeded: min(max(v, lower), 127))
        }
    }
}
